package dev.switchboard.core.internal.state;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.config.RateLimitSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests per tenant, as token buckets on the injected clock. A tenant over its rate gets 429 with the time until
 * its next token as {@code Retry-After}.
 */
public final class RateLimiter {
    private final Map<String, RateLimitSpec> limits = new ConcurrentHashMap<>();
    private final RateLimitSpec fallback;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Clock clock;

    public RateLimiter(List<RateLimitSpec> specs, Clock clock) {
        this.clock = clock;
        RateLimitSpec any = null;
        for (RateLimitSpec s : specs) {
            if (s.tenant().equals("*")) {
                any = s;
            } else {
                limits.put(s.tenant(), s);
            }
        }
        this.fallback = any;
    }

    /** Takes a token for the tenant, or throws 429 with when to retry. */
    public void acquire(String tenant) {
        RateLimitSpec spec = limitOf(tenant);
        if (spec == null) {
            return;
        }
        Duration wait = buckets.computeIfAbsent(tenant, t -> new Bucket(spec, clock.millis())).take(clock.millis());
        if (!wait.isZero()) {
            throw new RateLimitedException("tenant '" + tenant + "' is over its rate of " + spec.requestsPerSecond()
                    + " requests per second", wait);
        }
    }

    /** The limit that applies to a tenant, or null. */
    public RateLimitSpec limitOf(String tenant) {
        return limits.getOrDefault(tenant, fallback);
    }

    /** One tenant's bucket; synchronized on itself. */
    private static final class Bucket {
        private final RateLimitSpec spec;
        private double tokens;
        private long lastMillis;

        Bucket(RateLimitSpec spec, long now) {
            this.spec = spec;
            this.tokens = spec.burst();
            this.lastMillis = now;
        }

        synchronized Duration take(long now) {
            tokens = Math.min(spec.burst(), tokens + (now - lastMillis) / 1000.0 * spec.requestsPerSecond());
            lastMillis = now;
            if (tokens >= 1) {
                tokens -= 1;
                return Duration.ZERO;
            }
            return Duration.ofMillis((long) Math.ceil((1 - tokens) / spec.requestsPerSecond() * 1000));
        }
    }

    /** 429 for a tenant over its rate, with when to retry. */
    public static final class RateLimitedException extends GatewayException {
        private final Duration retryAfter;

        public RateLimitedException(String message, Duration retryAfter) {
            super(ErrorKind.RATE_LIMITED, message);
            this.retryAfter = retryAfter;
        }

        @Override
        public java.util.Optional<Duration> retryAfter() {
            return java.util.Optional.of(retryAfter);
        }
    }
}
