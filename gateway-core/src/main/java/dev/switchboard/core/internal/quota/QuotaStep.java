package dev.switchboard.core.internal.quota;

import dev.switchboard.core.GatewayException;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.config.QuotaSpec;
import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.ForwardingStreamListener;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import dev.switchboard.core.internal.state.RateLimiter;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Token quotas, once the route has estimated the prompt: the tenant's quota (tokens per minute, per day) is
 * reserved for the request's estimate — its prompt, and {@code max_tokens} or the route's expected output — or the
 * request gets 429 with {@code Retry-After} naming the quota. Backends' quotas are reserved per attempt at admission
 * ({@link #reserveForBackend}). When the request ends (answered, failed, cut, abandoned), every reservation is settled:
 * the answering backend's and the tenant's to the tokens the backend reported (the estimate stays when it reported
 * none), the other attempts' to nothing.
 */
public final class QuotaStep implements Step {
    private final QuotaStore store;
    private final Map<String, QuotaSpec> tenants;
    private final Map<String, QuotaSpec> backends;
    private final Map<String, QuotaSpec> keys;

    public QuotaStep(QuotaStore store) {
        this.store = store;
        this.tenants = byName(store, QuotaSpec.Scope.TENANT);
        this.backends = byName(store, QuotaSpec.Scope.BACKEND);
        this.keys = byName(store, QuotaSpec.Scope.KEY);
    }

    private static Map<String, QuotaSpec> byName(QuotaStore store, QuotaSpec.Scope scope) {
        return store.quotas().stream().filter(q -> q.scope() == scope)
                .collect(java.util.stream.Collectors.toMap(QuotaSpec::name, Function.identity()));
    }

    @Override
    public String name() {
        return "quota";
    }

    /** The request's estimated tokens: its prompt, and what it may produce. */
    public static long estimate(Exchange x) {
        long prompt = x.decision() == null ? 0 : x.decision().promptTokens();
        long output = x.request().body().maxTokens().isPresent() ? x.request().body().maxTokens().getAsInt()
                : x.decision() == null ? 0 : x.decision().expectedOutputTokens();
        return prompt + output;
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        AtomicBoolean settled = new AtomicBoolean();
        x.onCancel(() -> settle(x, settled, Usage.UNKNOWN, false));
        if (x.streamed()) {
            x.tapStream(l -> new Settling(x, settled, l));
        }
        // The client key's quota, then the tenant's: each must have room; a refusal gives back what was taken.
        QuotaSpec key = x.request().key() == null ? null : keys.get(x.request().key());
        QuotaSpec tenant = tenants.get(x.request().tenant());
        CompletableFuture<Reply> result = reserve(x, key).thenCompose(k -> reserve(x, tenant))
                .thenCompose(t -> next.proceed(x));
        return result.whenComplete((reply, error) -> {
            if (error != null || !x.streamed()) {
                settle(x, settled, x.charge().usage(), error == null);
            }
            // A stream that started settles when it ends (the Settling tap), or when the client leaves.
        });
    }

    /** Reserves a quota of the request (none: at once), held on the exchange; full: 429 with the time it renews. */
    private CompletableFuture<Void> reserve(Exchange x, QuotaSpec quota) {
        if (quota == null) {
            return CompletableFuture.completedFuture(null);
        }
        long tokens = estimate(x);
        long smallest = Math.min(quota.perMinute() > 0 ? quota.perMinute() : Long.MAX_VALUE,
                quota.perDay() > 0 ? quota.perDay() : Long.MAX_VALUE);
        if (tokens > smallest) {
            // Waiting would not help: no window ever has room for it.
            throw new GatewayException(dev.switchboard.core.ErrorKind.INVALID_REQUEST, "this request may use "
                    + tokens + " tokens (its prompt and max_tokens), more than the whole quota of "
                    + quota.scope().name().toLowerCase(java.util.Locale.ROOT).replace("key", "client key") + " '"
                    + quota.name() + "' (" + smallest + "); ask for fewer max_tokens");
        }
        return store.reserve(quota, tokens).thenAccept(grant -> {
            if (!grant.granted()) {
                throw new RateLimiter.RateLimitedException(grant.refusal(), grant.retryAfter());
            }
            if (!x.holdQuota(grant)) {
                store.settle(grant, 0); // the request already ended
            }
        });
    }

    /**
     * Reserves a backend's quota for one attempt, held on the exchange: empty when the backend has none; a grant
     * that says refused when it is full (the attempt is passed over).
     */
    public CompletableFuture<Optional<QuotaStore.Grant>> reserveForBackend(Exchange x, String backend) {
        QuotaSpec quota = backends.get(backend);
        if (quota == null) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return store.reserve(quota, estimate(x)).thenApply(grant -> {
            if (grant.granted() && !x.holdQuota(grant)) {
                store.settle(grant, 0); // the request already ended (a hedge that came back late)
            }
            return Optional.of(grant);
        });
    }

    /** Gives back a backend's reservation whose attempt was not admitted after all (at capacity, over budget). */
    public void release(Exchange x, QuotaStore.Grant grant) {
        if (x.dropQuota(grant)) {
            store.settle(grant, 0);
        }
    }

    /** @param answered whether the request got its answer (a failed one keeps no estimate counted) */
    private void settle(Exchange x, AtomicBoolean settled, Usage usage, boolean answered) {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        Exchange.Charge charge = x.charge();
        Usage used = usage.known() ? usage : charge.usage();
        java.util.List<QuotaStore.Grant> grants = new java.util.ArrayList<>(x.settleQuotas());
        java.util.Collections.reverse(grants); // the answering backend's grant is its last attempt's
        boolean backendSettled = false;
        for (QuotaStore.Grant g : grants) {
            if (charge.backend() == null || !answered && !used.known()) {
                store.settle(g, 0); // refused, failed, or no backend answered: nothing was produced
                continue;
            }
            boolean counted = g.quota().scope() != QuotaSpec.Scope.BACKEND
                    || !backendSettled && g.quota().name().equals(charge.backend());
            if (g.quota().scope() == QuotaSpec.Scope.BACKEND && counted) {
                backendSettled = true;
            }
            if (!counted) {
                store.settle(g, 0); // an attempt that did not answer: its reservation is given back
            } else if (used.known()) {
                store.settle(g, used.promptTokens() + used.completionTokens());
            } // else: nothing was reported; the estimate stays counted
        }
    }

    /** Settles a started stream when it ends. */
    private final class Settling extends ForwardingStreamListener {
        private final Exchange x;
        private final AtomicBoolean settled;

        Settling(Exchange x, AtomicBoolean settled, StreamListener listener) {
            super(listener);
            this.x = x;
            this.settled = settled;
        }

        @Override
        public void onComplete(Usage usage, String finishReason) {
            settle(x, settled, usage, true);
            next.onComplete(usage, finishReason);
        }

        @Override
        public void onError(GatewayException error, boolean started) {
            settle(x, settled, Usage.UNKNOWN, started); // a cut stream produced what it sent; unreported: kept
            next.onError(error, started);
        }
    }
}
