package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayRequestTest {
    private static final RequestView BODY = RequestView.chat(
            "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    @Test
    void headerNamesAreReadInLowerCaseAndTheMapCannotChange() {
        Map<String, String> given = new HashMap<>(Map.of("X-Switchboard-Cache", "no-store", "Traceparent", "00-x"));
        GatewayRequest request = new GatewayRequest(BODY, given, "t", "r");
        assertThat(request.headers()).containsOnly(Map.entry("x-switchboard-cache", "no-store"),
                Map.entry("traceparent", "00-x"));
        given.put("x-later", "1");
        assertThat(request.headers()).doesNotContainKey("x-later");
        assertThatThrownBy(() -> request.headers().put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void anImmutableLowerCaseMapIsKeptAsItIs() {
        Map<String, String> given = Map.of("x-switchboard-cache", "refresh");
        assertThat(new GatewayRequest(BODY, given, "t", "r").headers()).isSameAs(given);
    }
}
