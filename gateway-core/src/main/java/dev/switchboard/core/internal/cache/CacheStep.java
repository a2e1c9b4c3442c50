package dev.switchboard.core.internal.cache;

import dev.switchboard.core.Attempt;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.Operation;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.cache.CacheStatus;
import dev.switchboard.core.config.CacheSpec;
import dev.switchboard.core.internal.backend.CompletionAssembler;
import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.ForwardingStreamListener;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.internal.state.SharedCache;
import dev.switchboard.core.routing.RoutingDecision;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The cache in front of routing: the first level in this process (Caffeine, with single flight), then the shared
 * second level when one is configured, then the rest of the chain — whose complete answer goes into the first level
 * before the caller sees it, and to the second as it returns (not waiting for the acknowledgement). A stream is
 * assembled into one completion as it passes, and a hit is replayed as a stream. Both levels use one key, scoped by
 * the compliance verdict (customer data stays per tenant), so the scoping holds in either.
 */
public final class CacheStep implements Step {
    /** Request header that controls the cache: {@code no-store} or {@code refresh}. */
    public static final String HEADER = "x-switchboard-cache";

    private final ResponseCache local;
    private final SharedCache shared;
    private final Map<String, CacheSpec.RouteCache> routeCaches;
    private final Function<String, String> routeOf;
    private final CompliancePolicy policy;
    private final Clock clock;

    /**
     * @param routeCaches each route's cache settings
     * @param routeOf     the route a model name belongs to (null for none): the key is per route, and the cache
     *                    answers before routing decides anything
     * @param policy      says whether an answer may be shared across tenants (the key's scope)
     */
    public CacheStep(ResponseCache local, SharedCache shared, Map<String, CacheSpec.RouteCache> routeCaches,
            Function<String, String> routeOf, CompliancePolicy policy, Clock clock) {
        this.local = local;
        this.shared = shared;
        this.routeCaches = Map.copyOf(routeCaches);
        this.routeOf = routeOf;
        this.policy = policy;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "cache";
    }

    public SharedCache shared() {
        return shared;
    }

    /** The cache key of a request, or null when it is not to be cached (operation, route, determinism, no-store). */
    String key(Exchange x) {
        GatewayRequest request = x.request();
        String route = routeOf.apply(request.body().model());
        if (x.operation() != Operation.CHAT || route == null
                || "no-store".equalsIgnoreCase(request.headers().get(HEADER))
                || !local.cacheable(routeCaches.get(route), request.body())) {
            return null;
        }
        return local.key(route, request.tenant(), policy.sharesAcrossTenants(x.verdict()), request.body());
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        String key = key(x);
        if (key == null) {
            status(x, CacheStatus.BYPASS);
            return next.proceed(x);
        }
        boolean refresh = "refresh".equalsIgnoreCase(x.request().headers().get(HEADER));
        CompletableFuture<CachedAnswer> mine = new CompletableFuture<>();
        x.onCancel(() -> mine.complete(null)); // waiters make their own call
        CompletableFuture<Reply> reply = x.resume(lookup(key, refresh, mine)).thenCompose(answer -> {
            if (answer != null) {
                return CompletableFuture.completedFuture(hit(x, answer));
            }
            status(x, CacheStatus.MISS);
            if (x.streamed()) {
                x.tapStream(l -> new Assembling(key, refresh, mine, l));
                return next.proceed(x);
            }
            // The answer goes into the cache before the caller sees it: a request right after finds it there. (When
            // another request held the key and failed, `mine` was never registered and only the shared level keeps
            // this answer.)
            return next.proceed(x).whenComplete((r, error) -> keep(key, refresh, mine,
                    error == null && r instanceof Reply.Answer a
                            ? new CachedAnswer(a.body(), a.backend(), a.usage(), clock.millis()) : null));
        });
        // Whatever failed on the way, requests waiting on this key must not wait for ever.
        return reply.whenComplete((r, error) -> {
            if (error != null) {
                mine.complete(null);
            }
        });
    }

    private static void status(Exchange x, CacheStatus status) {
        x.cache(status);
        if (x.streamed()) {
            x.downstream().onCache(status);
        }
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
        CachedAnswer kept = answer != null && local.keepable(answer) ? answer : null;
        if (refresh && kept != null) {
            local.put(key, kept);
        }
        mine.complete(kept); // empty: Caffeine forgets the key and waiters make their own call
        if (kept != null) {
            shared.put(key, kept);
        }
    }

    /** A hit: the stored answer, whole or replayed as a stream. */
    private Reply hit(Exchange x, CachedAnswer answer) {
        status(x, CacheStatus.HIT);
        x.attempted(new Attempt(answer.backend(), Attempt.Outcome.CACHE_HIT, 0));
        x.charged(new Exchange.Charge(answer.backend(), answer.usage(), 0, "", false));
        if (!x.streamed()) {
            return new Reply.Answer(answer.completion(), "application/json", answer.backend(), answer.usage(), 0, "");
        }
        StreamListener listener = x.downstream();
        listener.onStart(null, answer.backend());
        for (String event : StreamAssembler.replay(answer.completion(), x.request().body().clientWantsUsage())) {
            listener.onEvent(event);
        }
        listener.onComplete(answer.usage(), "stop");
        return new Reply.Streaming(answer.backend());
    }

    /** Passes a stream on and assembles it into one completion for the cache. */
    private final class Assembling extends ForwardingStreamListener {
        private final String key;
        private final boolean refresh;
        private final CompletableFuture<CachedAnswer> mine;
        private final CompletionAssembler assembler = new CompletionAssembler();
        private String backend;

        Assembling(String key, boolean refresh, CompletableFuture<CachedAnswer> mine, StreamListener listener) {
            super(listener);
            this.key = key;
            this.refresh = refresh;
            this.mine = mine;
        }

        @Override
        public void onStart(RoutingDecision decision, String b) {
            backend = b;
            next.onStart(decision, b);
        }

        @Override
        public void onEvent(String data) {
            assembler.accept(data);
            next.onEvent(data);
        }

        @Override
        public void onComplete(Usage usage, String finishReason) {
            byte[] completion = assembler.plainText() ? assembler.completion(usage) : null;
            keep(key, refresh, mine, completion == null ? null
                    : new CachedAnswer(completion, backend, usage, clock.millis()));
            next.onComplete(usage, finishReason);
        }

        @Override
        public void onError(dev.switchboard.core.GatewayException error, boolean started) {
            mine.complete(null); // only complete answers are kept
            next.onError(error, started);
        }
    }
}
