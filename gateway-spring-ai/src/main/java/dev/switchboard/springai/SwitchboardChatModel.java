package dev.switchboard.springai;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.StreamCall;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.routing.RoutingDecision;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * A Spring AI {@link ChatModel} whose calls go through an embedded Switchboard {@link Gateway}: routing, failover,
 * budgets, the compliance policy and the audit log apply as to any other caller. The options' model is the
 * gateway's route (or alias) name — a default with {@link Builder#model}, or per prompt.
 *
 * <pre>{@code
 * ChatModel model = SwitchboardChatModel.builder().gateway(gateway).model("chat").build();
 * String answer = ChatClient.create(model).prompt().user("Summarise account 42.").call().content();
 * }</pre>
 *
 * <p>Tools: the definitions of the options' tool callbacks go upstream as OpenAI {@code tools}, and the model's tool
 * calls come back in the {@code AssistantMessage} (finish reason {@code TOOL_CALLS}). This model never runs a tool
 * itself: a {@code ChatClient} runs them with its tool-calling advisor and sends the results back; a caller of
 * {@link #call} directly runs them itself. Each response's metadata holds the usage and, under
 * {@code switchboard.request-id}, {@code switchboard.route} and {@code switchboard.backend}, where it went.
 *
 * <p>Failures are a {@link SwitchboardRefusedException} or a {@link SwitchboardUnavailableException}, both with the
 * gateway's status and request id. Thread-safe. A model built with {@link Builder#gateway} leaves the gateway to its
 * owner; one built with {@link Builder#config} owns the gateway it loaded, and {@link #close()} closes it.
 */
public final class SwitchboardChatModel implements ChatModel, AutoCloseable {
    private final Gateway gateway;
    private final boolean owned;
    private final ToolCallingChatOptions defaults;
    private final String tenant;
    private final String key;
    private final Map<String, String> headers;

    private SwitchboardChatModel(Builder b) {
        if ((b.gateway == null) == (b.config == null)) {
            throw new IllegalStateException("gateway: " + (b.gateway == null ? "none" : "two")
                    + " (expected: exactly one of gateway(Gateway) and config(Path))");
        }
        this.defaults = defaults(b.defaults, b.model);
        this.tenant = b.tenant;
        this.key = b.key;
        this.headers = Map.copyOf(b.headers);
        this.owned = b.gateway == null;
        this.gateway = owned ? Gateway.fromConfig(b.config, GatewayOptions.defaults()) : b.gateway;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The defaults as tool-calling options, whatever kind was given: a {@code ChatClient} adds its tools to a copy
     * of them only when they are of that kind.
     */
    private static ToolCallingChatOptions defaults(ChatOptions given, String model) {
        ToolCallingChatOptions.Builder<?> b;
        if (given instanceof ToolCallingChatOptions t) {
            b = t.mutate();
        } else {
            b = ToolCallingChatOptions.builder();
            if (given != null) {
                b.model(given.getModel()).temperature(given.getTemperature()).topP(given.getTopP())
                        .topK(given.getTopK()).maxTokens(given.getMaxTokens()).stopSequences(given.getStopSequences())
                        .frequencyPenalty(given.getFrequencyPenalty()).presencePenalty(given.getPresencePenalty());
            }
        }
        if (model != null) {
            b.model(model);
        }
        return b.build();
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        GatewayRequest request = request(prompt, false);
        try {
            return OpenAiResponseReader.read(gateway.chat(request));
        } catch (GatewayException e) {
            throw GatewayFailures.map(e, request.requestId());
        }
    }

    /**
     * The answer as it is produced: one response per piece of text, then a last one with no text that has the
     * whole tool calls, the finish reason and the usage. Nothing is sent until subscription; cancelling the
     * subscription cancels the upstream call.
     */
    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.create(sink -> {
            GatewayRequest request;
            try {
                request = request(prompt, true);
            } catch (RuntimeException e) {
                sink.error(e);
                return;
            }
            Relay relay = new Relay(sink, request.requestId());
            StreamCall call = gateway.chatStream(request, relay);
            relay.call.set(call);
            sink.onCancel(call::cancel);
            // Events may have come (and failed) or the subscriber gone while chatStream was returning.
            if (relay.failed || sink.isCancelled()) {
                call.cancel();
            }
        }, FluxSink.OverflowStrategy.BUFFER); // the gateway pushes; an answer is bounded by its max tokens
    }

    private GatewayRequest request(Prompt prompt, boolean stream) {
        CallOptions options = CallOptions.of(prompt.getOptions(), defaults);
        String body = OpenAiRequestWriter.write(prompt.getInstructions(), options, stream);
        try {
            return new GatewayRequest(RequestView.chat(body), headers, tenant, null, key);
        } catch (GatewayException e) {
            throw GatewayFailures.map(e, null); // a body the gateway refuses to read: no request was made
        }
    }

    /**
     * A copy of the default options, as tool-calling options: a {@code ChatClient} starts from these and adds its
     * tools to them only when they are of that kind.
     */
    @Override
    public ChatOptions getOptions() {
        return defaults.mutate().build();
    }

    @Override
    public ChatOptions getDefaultOptions() {
        return getOptions();
    }

    /** Closes the gateway if this model loaded it ({@link Builder#config}); otherwise does nothing. */
    @Override
    public void close() {
        if (owned) {
            gateway.close();
        }
    }

    /** One stream: the gateway's events in, the sink's signals out. */
    private static final class Relay implements StreamListener {
        private final FluxSink<ChatResponse> sink;
        private final String requestId;
        private final StreamAssembler assembler;
        private final AtomicReference<StreamCall> call = new AtomicReference<>();
        private volatile boolean failed;

        Relay(FluxSink<ChatResponse> sink, String requestId) {
            this.sink = sink;
            this.requestId = requestId;
            this.assembler = new StreamAssembler(requestId);
        }

        @Override
        public void onStart(RoutingDecision decision, String backend) {
            assembler.started(decision == null ? null : decision.route(), backend);
        }

        @Override
        public void onEvent(String data) {
            if (failed || sink.isCancelled()) {
                return;
            }
            try {
                ChatResponse response = assembler.accept(data);
                if (response != null) {
                    sink.next(response);
                }
            } catch (RuntimeException e) {
                failed = true;
                StreamCall c = call.get();
                if (c != null) {
                    c.cancel();
                }
                sink.error(e);
            }
        }

        @Override
        public void onComplete(Usage usage, String finishReason) {
            if (failed) {
                return;
            }
            sink.next(assembler.finish(usage, finishReason));
            sink.complete();
        }

        @Override
        public void onError(GatewayException error, boolean started) {
            if (failed) {
                return;
            }
            sink.error(GatewayFailures.map(error, requestId));
        }
    }

    /** Builds a {@link SwitchboardChatModel}: exactly one of {@link #gateway} and {@link #config} is required. */
    public static final class Builder {
        private Gateway gateway;
        private Path config;
        private String model;
        private ChatOptions defaults;
        private String tenant = GatewayRequest.ANONYMOUS;
        private String key;
        private final Map<String, String> headers = new LinkedHashMap<>();

        private Builder() {
        }

        /** The application's gateway, which it keeps and closes itself. */
        public Builder gateway(Gateway gateway) {
            this.gateway = Objects.requireNonNull(gateway, "gateway");
            return this;
        }

        /** A config file to load a gateway from; the model owns that gateway and closes it in {@link #close()}. */
        public Builder config(Path config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        /** The route (or alias) prompts go to unless their options name another. */
        public Builder model(String route) {
            this.model = route;
            return this;
        }

        /** Temperature, max tokens, tool callbacks and so on for every prompt; {@link #model} wins over its model. */
        public Builder defaultOptions(ChatOptions options) {
            this.defaults = options;
            return this;
        }

        /** The tenant the requests are counted to (budgets, rate limits, rule conditions). */
        public Builder tenant(String tenant) {
            this.tenant = tenant;
            return this;
        }

        /** The name of the client key the requests come with (its quota and route limits apply). */
        public Builder clientKey(String keyName) {
            this.key = keyName;
            return this;
        }

        /** A header every request carries, for rule conditions such as {@code header: {x-scenario: ...}}. */
        public Builder header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        public Builder headers(Map<String, String> more) {
            headers.putAll(more);
            return this;
        }

        public SwitchboardChatModel build() {
            return new SwitchboardChatModel(this);
        }
    }
}
