package dev.switchboard.langchain4j;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.RequestView;
import java.util.Map;
import java.util.Objects;

/**
 * The gateway a model calls and who it calls as: the tenant, the client key's name and extra headers that rule
 * conditions read. {@code owned}: the model was built from a config path, so closing the model closes the gateway.
 */
record GatewayBinding(Gateway gateway, boolean owned, String tenant, String key, Map<String, String> headers) {
    GatewayBinding {
        Objects.requireNonNull(gateway, "gateway");
        headers = Map.copyOf(headers);
    }

    /** A request for this body, with a new request id (the id errors carry). */
    GatewayRequest request(String json) {
        return new GatewayRequest(RequestView.chat(json), headers, tenant, null, key);
    }

    void close() {
        if (owned) {
            gateway.close();
        }
    }
}
