package dev.switchboard.core.internal.ratelimit;

import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import dev.switchboard.core.internal.state.RateLimits;
import java.util.concurrent.CompletableFuture;

/**
 * The tenant's requests-per-second limit, first of all: a request over it is refused (429 with
 * {@code Retry-After}) before anything reads its body. With a shared store the bucket is in Redis.
 */
public final class RateLimitStep implements Step {
    private final RateLimits limits;

    public RateLimitStep(RateLimits limits) {
        this.limits = limits;
    }

    @Override
    public String name() {
        return "rate-limit";
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        return x.resume(limits.acquire(x.request().tenant())).thenCompose(allowed -> next.proceed(x));
    }
}
