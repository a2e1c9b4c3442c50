package dev.switchboard.core.internal.overload;

import com.netflix.concurrency.limits.Limiter;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limiter.SimpleLimiter;
import dev.switchboard.core.config.OverloadSpec;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A concurrency limit that adapts to measured latency (Netflix's {@code concurrency-limits}, Gradient2: the limit
 * shrinks when the short-run latency rises over the long-run one, and grows while it does not), or a fixed one. A
 * permit is taken before the work and ended once: answered in time ({@link Permit#succeeded}), timed out
 * ({@link Permit#dropped}, the strongest signal to shrink) or neither ({@link Permit#ignored}). Time is the
 * gateway's ticker.
 */
public final class ConcurrencyLimit {
    private final SimpleLimiter<Void> limiter;

    private ConcurrencyLimit(SimpleLimiter<Void> limiter) {
        this.limiter = limiter;
    }

    /** The limit {@code spec} describes, or null when it is off. */
    public static ConcurrencyLimit of(String name, OverloadSpec spec, LongSupplier ticker) {
        if (spec.mode() == OverloadSpec.Mode.OFF) {
            return null;
        }
        com.netflix.concurrency.limits.Limit limit = spec.mode() == OverloadSpec.Mode.FIXED
                ? FixedLimit.of(spec.initial())
                : Gradient2Limit.newBuilder().initialLimit(spec.initial()).minLimit(spec.min())
                        .maxConcurrency(spec.max()).build();
        return new ConcurrencyLimit(SimpleLimiter.newBuilder().named(name).limit(limit).nanoClock(ticker).build());
    }

    /** A permit, or empty when the limit is reached (shed). */
    public Optional<Permit> acquire() {
        return limiter.acquire(null).map(Permit::new);
    }

    public int limit() {
        return limiter.getLimit();
    }

    public int inFlight() {
        return limiter.getInflight();
    }

    /** One admitted request's place under the limit, ended exactly once. */
    public static final class Permit {
        private final java.util.concurrent.atomic.AtomicReference<Limiter.Listener> listener;

        private Permit(Limiter.Listener listener) {
            this.listener = new java.util.concurrent.atomic.AtomicReference<>(listener);
        }

        public void succeeded() {
            Limiter.Listener l = listener.getAndSet(null);
            if (l != null) {
                l.onSuccess();
            }
        }

        public void dropped() {
            Limiter.Listener l = listener.getAndSet(null);
            if (l != null) {
                l.onDropped();
            }
        }

        public void ignored() {
            Limiter.Listener l = listener.getAndSet(null);
            if (l != null) {
                l.onIgnore();
            }
        }
    }
}
