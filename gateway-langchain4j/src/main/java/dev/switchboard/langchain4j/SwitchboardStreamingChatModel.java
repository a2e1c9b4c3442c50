package dev.switchboard.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.StreamCall;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.routing.RoutingDecision;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A LangChain4j {@link StreamingChatModel} over an embedded Switchboard {@link Gateway}: text arrives through
 * {@code onPartialResponse} as the backend produces it, tool calls as partial calls and then whole ones, and the
 * complete answer — text, tool calls, usage, finish reason — through {@code onCompleteResponse}. The handler is
 * called on the gateway's upstream thread, in order; cancelling through the streaming handle cancels the upstream
 * call. Same builder, route and failure rules as {@link SwitchboardChatModel}.
 */
public final class SwitchboardStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private final GatewayBinding binding;
    private final ChatRequestParameters defaults;
    private final List<ChatModelListener> listeners;

    private SwitchboardStreamingChatModel(Builder builder) {
        this.defaults = builder.settings.parameters();
        this.listeners = List.copyOf(builder.listeners);
        this.binding = builder.settings.binding();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        GatewayRequest call;
        try {
            call = binding.request(OpenAiRequestWriter.write(request, true));
        } catch (GatewayException e) {
            handler.onError(GatewayFailures.map(e, null));
            return;
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        Relay relay = new Relay(handler, call.requestId());
        relay.started(binding.gateway().chatStream(call, relay));
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

    /**
     * One stream: the gateway's events in, the handler's calls out. After a cancel or a failure the handler hears
     * nothing more, so it sees exactly one of {@code onCompleteResponse} and {@code onError}.
     */
    private static final class Relay implements StreamListener, StreamingHandle {
        private final StreamingChatResponseHandler handler;
        private final String requestId;
        private final StreamAssembler assembler;
        private final AtomicReference<StreamCall> call = new AtomicReference<>();
        private volatile boolean cancelled;
        private volatile boolean ended;

        Relay(StreamingChatResponseHandler handler, String requestId) {
            this.handler = handler;
            this.requestId = requestId;
            this.assembler = new StreamAssembler(
                    text -> handler.onPartialResponse(new PartialResponse(text), new PartialResponseContext(this)),
                    piece -> handler.onPartialToolCall(piece, new PartialToolCallContext(this)));
        }

        void started(StreamCall streamCall) {
            call.set(streamCall);
            if (cancelled) {
                streamCall.cancel(); // cancelled from a handler before chatStream returned
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            StreamCall c = call.get();
            if (c != null) {
                c.cancel();
            }
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public void onStart(RoutingDecision decision, String backend) {
        }

        @Override
        public void onEvent(String data) {
            if (cancelled || ended) {
                return;
            }
            try {
                assembler.accept(data);
            } catch (RuntimeException e) {
                // The handler's own failure (or a bad event) ends the stream: stop the upstream, report once.
                fail(e);
            }
        }

        @Override
        public void onComplete(Usage usage, String finishReason) {
            if (cancelled || ended) {
                return;
            }
            ended = true;
            try {
                ChatResponse response = assembler.finish(usage, finishReason);
                List<Integer> indexes = assembler.toolCallIndexes();
                for (int i = 0; i < indexes.size(); i++) {
                    handler.onCompleteToolCall(new CompleteToolCall(indexes.get(i),
                            response.aiMessage().toolExecutionRequests().get(i)));
                }
                handler.onCompleteResponse(response);
            } catch (RuntimeException e) {
                handler.onError(e);
            }
        }

        @Override
        public void onError(GatewayException error, boolean started) {
            if (cancelled || ended) {
                return;
            }
            ended = true;
            handler.onError(GatewayFailures.map(error, requestId));
        }

        private void fail(RuntimeException e) {
            ended = true;
            StreamCall c = call.get();
            if (c != null) {
                c.cancel();
            }
            handler.onError(e);
        }
    }

    /** Builds a {@link SwitchboardStreamingChatModel}: exactly one of {@link #gateway} and {@link #config}. */
    /** The builder: the settings of {@link ModelBuilder}, and {@link #build()}. */
    public static final class Builder extends ModelBuilder<Builder> {
        private Builder() {
        }

        @Override
        Builder self() {
            return this;
        }

        public SwitchboardStreamingChatModel build() {
            return new SwitchboardStreamingChatModel(this);
        }
    }
}
