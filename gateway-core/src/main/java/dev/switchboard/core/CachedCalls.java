package dev.switchboard.core;

import dev.switchboard.core.cache.CachedAnswer;
import dev.switchboard.core.cache.ResponseCache;
import dev.switchboard.core.cache.StreamAssembler;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.config.CacheSpec;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.state.SharedCache;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The cache step in front of the upstream call: the first level in this process (Caffeine, with single flight),
 * then the shared second level when one is configured, then the call — whose complete answer goes into the first
 * level before the caller sees it, and is sent to the second as it returns (not waiting for the acknowledgement). Both levels use one key, so the scoping rules (customer data stays per tenant)
 * hold in either.
 */
final class CachedCalls {
    /** The non-streamed call the cache stands in front of. */
    @FunctionalInterface
    interface Upstream {
        CompletableFuture<GatewayResponse> call(GatewayRequest request, Assessment sensitive);
    }

    /** The streamed call the cache stands in front of. */
    @FunctionalInterface
    interface UpstreamStreams {
        StreamCall stream(GatewayRequest request, Assessment sensitive, StreamListener listener);
    }

    private final ResponseCache local;
    private final SharedCache shared;
    private final Map<String, CacheSpec.RouteCache> routeCaches;
    private final Consumer<CallRecord> audit;
    private final boolean logPrompts;
    private final Clock clock;

    CachedCalls(ResponseCache local, SharedCache shared, Map<String, CacheSpec.RouteCache> routeCaches,
            Consumer<CallRecord> audit, boolean logPrompts, Clock clock) {
        this.local = local;
        this.shared = shared;
        this.routeCaches = routeCaches;
        this.audit = audit;
        this.logPrompts = logPrompts;
        this.clock = clock;
    }

    ResponseCache local() {
        return local;
    }

    SharedCache shared() {
        return shared;
    }

    /** The cache key of a request on a route, or null when it is not to be cached (route, determinism, no-store). */
    String key(String route, GatewayRequest request, Assessment sensitive) {
        if (route == null || "no-store".equalsIgnoreCase(request.headers().get(Gateway.CACHE_HEADER))
                || !local.cacheable(routeCaches.get(route), request.body())) {
            return null;
        }
        return local.key(route, request.tenant(), sensitive, request.body());
    }

    private static boolean refresh(GatewayRequest request) {
        return "refresh".equalsIgnoreCase(request.headers().get(Gateway.CACHE_HEADER));
    }

    /** Where an answer comes from: this process, another request in flight, the shared level, or nowhere. */
    private CompletableFuture<CachedAnswer> lookup(String key, boolean refresh, CompletableFuture<CachedAnswer> mine) {
        if (refresh) {
            return SharedCache.MISS;
        }
        CompletableFuture<CachedAnswer> existing = local.claim(key, mine);
        if (existing != null) {
            return existing.handle((answer, error) -> answer);
        }
        // This request owns the key in this process: the shared level is asked once for all who wait on it.
        return shared.get(key).thenApply(answer -> {
            if (answer != null) {
                mine.complete(answer);
            }
            return answer;
        });
    }

    /** Keeps a complete answer in both levels (or neither, when it is too large), and releases waiters. */
    private void keep(String key, boolean refresh, CompletableFuture<CachedAnswer> mine, CachedAnswer answer) {
        CachedAnswer kept = local.keepable(answer) ? answer : null;
        if (refresh && kept != null) {
            local.put(key, kept);
        }
        mine.complete(kept); // empty: Caffeine forgets the key and waiters make their own call
        if (kept != null) {
            shared.put(key, kept);
        }
    }

    CompletableFuture<GatewayResponse> send(String key, GatewayRequest request, Assessment sensitive,
            Upstream upstream) {
        boolean refresh = refresh(request);
        CompletableFuture<CachedAnswer> mine = new CompletableFuture<>();
        CompletableFuture<GatewayResponse> response = lookup(key, refresh, mine).thenCompose(answer -> {
            if (answer != null) {
                return CompletableFuture.completedFuture(hit(request, answer, sensitive));
            }
            // The answer goes into the cache before the caller sees it: a request right after finds it there. (When
            // another request held the key and failed, `mine` was never registered and only the shared level keeps
            // this answer.)
            return upstream.call(request, sensitive).whenComplete((r, error) -> keep(key, refresh, mine,
                    error == null ? new CachedAnswer(r.body(), r.backend(), r.usage(), clock.millis()) : null))
                    .thenApply(r -> r.withCache("miss"));
        });
        // Whatever failed on the way, requests waiting on this key must not wait for ever.
        response.whenComplete((r, error) -> {
            if (error != null) {
                mine.complete(null);
            }
        });
        return response;
    }

    GatewayResponse hit(GatewayRequest request, CachedAnswer answer, Assessment sensitive) {
        List<Attempt> steps = List.of(new Attempt(answer.backend(), Attempt.CACHE_HIT, 0));
        audit.accept(new CallRecord(clock.instant(), request.requestId(), request.tenant(), request.body().model(),
                request.body().stream(), null, steps, answer.backend(), 200, null, answer.usage(), 0, "", 0,
                sensitive, sensitive.sensitive() ? "cached-per-tenant" : "none",
                logPrompts ? request.body().promptText() : null));
        return new GatewayResponse(answer.completion(), "application/json", request.requestId(), null,
                answer.backend(), answer.usage(), steps, 0, "", "hit");
    }

    StreamCall stream(String key, GatewayRequest request, Assessment sensitive, StreamListener listener,
            UpstreamStreams upstream) {
        boolean refresh = refresh(request);
        CompletableFuture<CachedAnswer> mine = new CompletableFuture<>();
        DeferredStreamCall deferred = new DeferredStreamCall();
        deferred.onCancel(() -> mine.complete(null)); // waiters make their own call
        lookup(key, refresh, mine).whenComplete((answer, error) -> {
            if (deferred.cancelled()) {
                return;
            }
            try {
                replayOrCall(key, refresh, mine, answer, request, sensitive, listener, upstream, deferred);
            } catch (RuntimeException e) {
                mine.complete(null);
                listener.onError(e instanceof GatewayException g ? g
                        : new GatewayException(ErrorKind.INTERNAL, "serving the stream failed: " + e, e), false);
            }
        });
        return deferred;
    }

    private void replayOrCall(String key, boolean refresh, CompletableFuture<CachedAnswer> mine, CachedAnswer answer,
            GatewayRequest request, Assessment sensitive, StreamListener listener, UpstreamStreams upstream,
            DeferredStreamCall deferred) {
        if (answer != null) {
            hit(request, answer, sensitive);
            listener.onCache("hit");
            listener.onStart(null, answer.backend());
            for (String event : StreamAssembler.replay(answer.completion(), request.body().clientWantsUsage())) {
                listener.onEvent(event);
            }
            listener.onComplete(answer.usage(), "stop");
            return;
        }
        listener.onCache("miss");
        deferred.set(upstream.stream(request, sensitive, assembling(key, refresh, mine, listener)));
    }

    /** Passes a stream on and assembles it into one completion for the cache. */
    private StreamListener assembling(String key, boolean refresh, CompletableFuture<CachedAnswer> mine,
            StreamListener listener) {
        StreamAssembler assembler = new StreamAssembler();
        return new StreamListener() {
            private String backend;

            @Override
            public void onStart(RoutingDecision decision, String b) {
                backend = b;
                listener.onStart(decision, b);
            }

            @Override
            public void onEvent(String data) {
                assembler.accept(data);
                listener.onEvent(data);
            }

            @Override
            public void onIdle() {
                listener.onIdle();
            }

            @Override
            public boolean ready() {
                return listener.ready();
            }

            @Override
            public void whenReady(Runnable resume) {
                listener.whenReady(resume);
            }

            @Override
            public void onComplete(Usage usage, String finishReason) {
                byte[] completion = assembler.completion(usage);
                keep(key, refresh, mine, completion == null ? null
                        : new CachedAnswer(completion, backend, usage, clock.millis()));
                listener.onComplete(usage, finishReason);
            }

            @Override
            public void onError(GatewayException error, boolean started) {
                mine.complete(null); // only complete answers are kept
                listener.onError(error, started);
            }
        };
    }

    /** A stream whose call starts later (after a lookup or a shared-state check); a cancel reaches it whenever. */
    static final class DeferredStreamCall implements StreamCall {
        private final AtomicReference<StreamCall> call = new AtomicReference<>();
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private volatile Runnable onCancel = () -> { };

        void onCancel(Runnable r) {
            onCancel = r;
        }

        boolean cancelled() {
            return cancelled.get();
        }

        void set(StreamCall c) {
            call.set(c);
            if (cancelled.get()) {
                c.cancel();
            }
        }

        @Override
        public void cancel() {
            if (cancelled.compareAndSet(false, true)) {
                onCancel.run();
                StreamCall c = call.get();
                if (c != null) {
                    c.cancel();
                }
            }
        }
    }
}
