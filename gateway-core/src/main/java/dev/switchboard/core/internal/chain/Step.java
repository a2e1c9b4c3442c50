package dev.switchboard.core.internal.chain;

import java.util.concurrent.CompletableFuture;

/**
 * One step of serving a request, in its concern's package: it reads what earlier steps decided from the exchange,
 * adds its own decision, and hands the exchange to the rest of the chain — or answers itself (a cache hit, a
 * refusal) without calling on.
 *
 * <p>The reply travels back up as a future: a complete answer, or the news that a stream has started. Until then a
 * step may try again (failover does); once a stream has started, its events go down the exchange's listener, which
 * a step may wrap ({@link Exchange#tapStream}) to watch them.
 */
public interface Step {
    /** The step's name, as {@code /admin/config} and DESIGN.md list the chain. */
    String name();

    CompletableFuture<Reply> proceed(Exchange x, Chain next);
}
