package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The cache meters follow the cache in force across a reload that replaces it. */
class CacheMetersTest {
    private static final String BODY = "{\"model\":\"chat\",\"temperature\":0,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"What is a SWIFT code?\"}]}";

    private static GatewaySpec spec(String url, String ttl) {
        return ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [inhouse-10b] } ] }
                cache: { enabled: true, ttl: %s }
                """.formatted(url, ttl), "cache.yaml");
    }

    @Test
    void aReloadThatReplacesTheCacheMovesItsMeters() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (MockModelServer model = MockModelServer.start(MockModelOptions.builder().model("small").build())) {
            Gateway first = Gateway.create(spec(model.baseUrl(), "10m"), GatewayOptions.defaults().withMeters(meters));
            first.chat(GatewayRequest.chat(BODY));
            first.chat(GatewayRequest.chat(BODY));
            assertThat(meters.get("switchboard.cache.hits").functionCounter().count()).isEqualTo(1.0);
            assertThat(meters.get("switchboard.cache.misses").functionCounter().count()).isEqualTo(1.0);
            Gateway second = first.reconfigure(spec(model.baseUrl(), "5m")); // a new cache: nothing in it yet
            try (second) {
                assertThat(meters.get("switchboard.cache.hits").functionCounter().count()).isZero();
                assertThat(meters.get("switchboard.cache.misses").functionCounter().count()).isZero();
                second.chat(GatewayRequest.chat(BODY));
                assertThat(meters.get("switchboard.cache.misses").functionCounter().count()).isEqualTo(1.0);
                assertThat(meters.get("switchboard.cache.bytes").gauge().value()).isPositive();
            }
        }
    }
}
