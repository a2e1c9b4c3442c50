package dev.switchboard.core.internal.state;

import java.util.concurrent.CompletableFuture;

/** Requests per second per tenant. */
public interface RateLimits {
    /**
     * Takes a token for the tenant: completes when the request may go on, fails with
     * {@link RateLimiter.RateLimitedException} (429 with when to retry) when it is over its rate.
     */
    CompletableFuture<Void> acquire(String tenant);
}
