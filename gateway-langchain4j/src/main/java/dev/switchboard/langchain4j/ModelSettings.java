package dev.switchboard.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayRequest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What both models' builders set: the gateway (given, or loaded from a config file and then owned), the default
 * route and parameters, and the caller's identity. Mutable, used by one builder at a time.
 */
final class ModelSettings {
    private Gateway gateway;
    private Path config;
    private String modelName;
    private ChatRequestParameters defaults = DefaultChatRequestParameters.EMPTY;
    private String tenant = GatewayRequest.ANONYMOUS;
    private String key;
    private final Map<String, String> headers = new LinkedHashMap<>();

    void gateway(Gateway gateway) {
        this.gateway = gateway;
    }

    void config(Path config) {
        this.config = config;
    }

    void modelName(String modelName) {
        this.modelName = modelName;
    }

    void defaults(ChatRequestParameters defaults) {
        this.defaults = defaults == null ? DefaultChatRequestParameters.EMPTY : defaults;
    }

    void tenant(String tenant) {
        this.tenant = tenant;
    }

    void key(String key) {
        this.key = key;
    }

    void header(String name, String value) {
        headers.put(name, value);
    }

    /** The default parameters, the builder's {@code modelName} over those given as a whole. */
    ChatRequestParameters parameters() {
        if (modelName == null) {
            return defaults;
        }
        return DefaultChatRequestParameters.builder().overrideWith(defaults).modelName(modelName).build();
    }

    GatewayBinding binding() {
        if ((gateway == null) == (config == null)) {
            throw new IllegalStateException("gateway: " + (gateway == null ? "none" : "two")
                    + " (expected: exactly one of gateway(Gateway) and config(Path))");
        }
        if (gateway != null) {
            return new GatewayBinding(gateway, false, tenant, key, headers);
        }
        return new GatewayBinding(Gateway.fromConfig(config, GatewayOptions.defaults()), true, tenant, key, headers);
    }
}
