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
import java.util.List;
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
    /** The builder: the settings of {@link ModelBuilder}, and {@link #build()}. */
    public static final class Builder extends ModelBuilder<Builder> {
        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }

        public SwitchboardChatModel build() {
            return new SwitchboardChatModel(this);
        }
    }
}
