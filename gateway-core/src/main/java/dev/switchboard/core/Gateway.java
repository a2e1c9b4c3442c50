package dev.switchboard.core;

import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.OpenAiBackend;
import dev.switchboard.core.backend.UpstreamHttp;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.routing.RoutingInput;
import dev.switchboard.core.routing.RoutingTable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The gateway as a library: routes OpenAI-style requests to the configured backends and explains each decision.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.fromConfig(Path.of("switchboard.yaml"))) {
 *     GatewayResponse r = gateway.chat(GatewayRequest.chat("{\"model\":\"chat\",\"messages\":[...]}"));
 * }
 * }</pre>
 *
 * Thread-safe; one instance serves the whole application. Calls never block the calling thread except
 * {@link #chat}, which waits for {@link #chatAsync}.
 */
public final class Gateway implements AutoCloseable {
    private final GatewaySpec spec;
    private final GatewayOptions options;
    private final RoutingTable table;
    private final UpstreamHttp http;
    private final Map<String, Backend> backends;

    private Gateway(GatewaySpec spec, GatewayOptions options) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.options = Objects.requireNonNull(options, "options");
        this.table = RoutingTable.compile(spec);
        this.http = new UpstreamHttp(spec.backends());
        Map<String, Backend> map = new LinkedHashMap<>();
        for (BackendSpec b : spec.backends()) {
            map.put(b.name(), new OpenAiBackend(b, http));
        }
        this.backends = Map.copyOf(map);
    }

    /** Loads, validates and starts a gateway from a YAML file; {@code ${env:NAME}} reads the environment. */
    public static Gateway fromConfig(Path file) {
        return fromConfig(file, GatewayOptions.defaults());
    }

    public static Gateway fromConfig(Path file, GatewayOptions options) {
        return new Gateway(ConfigLoader.withEnv(options.env()).load(file), options);
    }

    /** A gateway over an already validated spec. */
    public static Gateway create(GatewaySpec spec, GatewayOptions options) {
        return new Gateway(spec, options);
    }

    public GatewaySpec spec() {
        return spec;
    }

    /** The model names clients may send (route names and aliases). */
    public List<String> models() {
        return table.modelNames();
    }

    /** Where this request would go and why, without calling any backend. */
    public RoutingDecision explain(GatewayRequest request) {
        return table.decide(new RoutingInput(request.body(), request.headers(), request.tenant()), options.random());
    }

    /** A chat completion, waiting for the answer. */
    public GatewayResponse chat(GatewayRequest request) {
        return await(chatAsync(request));
    }

    /**
     * A chat completion without blocking. The future fails with {@link GatewayException}; cancelling it cancels
     * the upstream call.
     */
    public CompletableFuture<GatewayResponse> chatAsync(GatewayRequest request) {
        return sendAsync(request, Operation.CHAT);
    }

    /** Embeddings without blocking. */
    public CompletableFuture<GatewayResponse> embeddingsAsync(GatewayRequest request) {
        return sendAsync(request, Operation.EMBEDDINGS);
    }

    public GatewayResponse embeddings(GatewayRequest request) {
        return await(embeddingsAsync(request));
    }

    private CompletableFuture<GatewayResponse> sendAsync(GatewayRequest request, Operation operation) {
        if (request.body().operation() != operation) {
            return CompletableFuture.failedFuture(GatewayException.invalid(null,
                    "a " + request.body().operation() + " body sent to the " + operation + " operation"));
        }
        if (request.body().stream()) {
            return CompletableFuture.failedFuture(GatewayException.invalid("stream",
                    "'stream: true' needs the streaming call (chatStream)"));
        }
        RoutingDecision decision;
        try {
            decision = explain(request);
        } catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        return FailoverExecutor.send(request, decision, backends);
    }

    /**
     * A streamed chat completion: events go to the listener as the upstream produces them. A routing error is
     * reported to the listener too ({@code onError(e, false)}), so callers have one path for failures.
     */
    public StreamCall chatStream(GatewayRequest request, StreamListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (!request.body().stream()) {
            listener.onError(GatewayException.invalid("stream", "the streaming call needs 'stream: true'"), false);
            return () -> { };
        }
        RoutingDecision decision;
        try {
            decision = explain(request);
        } catch (GatewayException e) {
            listener.onError(e, false);
            return () -> { };
        }
        return FailoverExecutor.stream(request, decision, backends, listener);
    }

    private static GatewayResponse await(CompletableFuture<GatewayResponse> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorKind.INTERNAL, "interrupted while waiting for the upstream", e);
        } catch (ExecutionException | CompletionException | CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof GatewayException g) {
                throw g;
            }
            throw new GatewayException(ErrorKind.INTERNAL, "unexpected failure: " + cause, cause);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
