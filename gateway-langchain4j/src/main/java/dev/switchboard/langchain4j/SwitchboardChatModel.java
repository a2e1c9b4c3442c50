package dev.switchboard.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.GatewayResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A LangChain4j {@link ChatModel} whose calls go through an embedded Switchboard {@link Gateway}: routing,
 * failover, budgets, the compliance policy and the audit log apply as to any other caller. The model name is the
 * gateway's route (or alias) name — set once with {@link Builder#modelName}, or per request in its parameters.
 *
 * <pre>{@code
 * ChatModel model = SwitchboardChatModel.builder().gateway(gateway).modelName("chat").build();
 * String answer = model.chat("Summarise the last quarter of account 42.");
 * }</pre>
 *
 * <p>Failures are a {@link SwitchboardRefusedException} or a {@link SwitchboardUnavailableException}, both with the
 * gateway's status and request id. Thread-safe. A model built with {@link Builder#gateway} leaves the gateway to its
 * owner; one built with {@link Builder#config} owns the gateway it loaded, and {@link #close()} closes it.
 */
public final class SwitchboardChatModel implements ChatModel, AutoCloseable {
    private final GatewayBinding binding;
    private final ChatRequestParameters defaults;
    private final List<ChatModelListener> listeners;

    private SwitchboardChatModel(Builder builder) {
        this.defaults = builder.settings.parameters();
        this.listeners = List.copyOf(builder.listeners);
        this.binding = builder.settings.binding();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        GatewayRequest call;
        try {
            call = binding.request(OpenAiRequestWriter.write(request, false));
        } catch (GatewayException e) {
            throw GatewayFailures.map(e, null); // a body the gateway refuses to read: no request was made
        }
        try {
            GatewayResponse response = binding.gateway().chat(call);
            return OpenAiResponseReader.read(response.bodyText(), response.usage());
        } catch (GatewayException e) {
            throw GatewayFailures.map(e, call.requestId());
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return defaults;
    }

    @Override
    public List<ChatModelListener> listeners() {
        return listeners;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    /** Closes the gateway if this model loaded it ({@link Builder#config}); otherwise does nothing. */
    @Override
    public void close() {
        binding.close();
    }

    /** Builds a {@link SwitchboardChatModel}: exactly one of {@link #gateway} and {@link #config} is required. */
    public static final class Builder {
        private final ModelSettings settings = new ModelSettings();
        private List<ChatModelListener> listeners = List.of();

        private Builder() {
        }

        /** The application's gateway, which it keeps and closes itself. */
        public Builder gateway(Gateway gateway) {
            settings.gateway(gateway);
            return this;
        }

        /** A config file to load a gateway from; the model owns that gateway and closes it in {@link #close()}. */
        public Builder config(Path config) {
            settings.config(config);
            return this;
        }

        /** The route (or alias) requests go to unless their parameters name another. */
        public Builder modelName(String route) {
            settings.modelName(route);
            return this;
        }

        /** Temperature, max tokens, tools and so on for every request; {@link #modelName} wins over its model. */
        public Builder defaultRequestParameters(ChatRequestParameters parameters) {
            settings.defaults(parameters);
            return this;
        }

        /** The tenant the requests are counted to (budgets, rate limits, rule conditions). */
        public Builder tenant(String tenant) {
            settings.tenant(tenant);
            return this;
        }

        /** The name of the client key the requests come with (its quota and route limits apply). */
        public Builder clientKey(String keyName) {
            settings.key(keyName);
            return this;
        }

        /** A header every request carries, for rule conditions such as {@code header: {x-scenario: ...}}. */
        public Builder header(String name, String value) {
            settings.header(name, value);
            return this;
        }

        public Builder headers(Map<String, String> headers) {
            headers.forEach(settings::header);
            return this;
        }

        public Builder listeners(List<ChatModelListener> listeners) {
            this.listeners = listeners;
            return this;
        }

        public SwitchboardChatModel build() {
            return new SwitchboardChatModel(this);
        }
    }
}
