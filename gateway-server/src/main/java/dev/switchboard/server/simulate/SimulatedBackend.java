package dev.switchboard.server.simulate;

import dev.switchboard.core.Operation;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.Usage;
import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.StreamSink;
import dev.switchboard.core.backend.UpstreamReply;
import dev.switchboard.core.backend.UpstreamStream;
import dev.switchboard.core.config.BackendSpec;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A backend that answers in simulated time, with the speed its config expects: the first token after
 * {@code expected.first-token} (log-normal spread), then {@code max_tokens} tokens at
 * {@code expected.tokens-per-second}; usage as its own tokenizer would count it ({@code token-factor}). It sits behind the same chain as a real one —
 * the egress guard included.
 */
final class SimulatedBackend implements Backend {
    private static final double FIRST_TOKEN_SPREAD = 0.35;

    private final BackendSpec spec;
    private final SimulatedTime time;
    private final Random random;

    SimulatedBackend(BackendSpec spec, SimulatedTime time, Random random) {
        this.spec = spec;
        this.time = time;
        this.random = random;
    }

    @Override
    public BackendSpec spec() {
        return spec;
    }

    /** What one call will do: when its first token comes, when it ends, and what it uses. */
    private record Plan(double firstToken, double total, Usage usage) {
    }

    private Plan plan(byte[] body) {
        RequestView request = RequestView.chat(body);
        long output = request.maxTokens().isPresent() ? request.maxTokens().getAsInt() : 1;
        double median = spec.expected().firstToken() == null ? 0.5 : spec.expected().firstToken().toNanos() / 1e9;
        double firstToken = median * Math.exp(FIRST_TOKEN_SPREAD * random.nextGaussian());
        double tps = spec.expected().tokensPerSecond() > 0 ? spec.expected().tokensPerSecond() : 30;
        // The first token comes with the first event, the other n-1 at the backend's speed: the chain then measures
        // exactly the configured tokens per second.
        return new Plan(firstToken, firstToken + Math.max(0, output - 1) / tps,
                new Usage(Math.round(request.promptTokens() * spec.tokenFactor()), output));
    }

    @Override
    public CompletableFuture<UpstreamReply> send(Operation operation, byte[] body) {
        Plan plan = plan(body);
        CompletableFuture<UpstreamReply> reply = new CompletableFuture<>();
        time.after(plan.total(), () -> reply.complete(new UpstreamReply(200,
                completion(plan.usage()).getBytes(StandardCharsets.UTF_8), "application/json")));
        return reply;
    }

    @Override
    public UpstreamStream stream(byte[] body, boolean forwardUsageChunk, StreamSink sink) {
        Plan plan = plan(body);
        AtomicBoolean cancelled = new AtomicBoolean();
        time.after(plan.firstToken(), () -> {
            if (!cancelled.get()) {
                sink.onEvent("{\"object\":\"chat.completion.chunk\",\"model\":\"" + spec.model()
                        + "\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"simulated\"}}]}");
            }
        });
        time.after(plan.total(), () -> {
            if (!cancelled.get()) {
                sink.onDone(plan.usage(), "stop");
            }
        });
        return () -> cancelled.set(true);
    }

    private String completion(Usage usage) {
        return "{\"object\":\"chat.completion\",\"model\":\"" + spec.model() + "\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"simulated\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":" + usage.promptTokens() + ",\"completion_tokens\":"
                + usage.completionTokens() + ",\"total_tokens\":" + (usage.promptTokens() + usage.completionTokens())
                + "}}";
    }
}
