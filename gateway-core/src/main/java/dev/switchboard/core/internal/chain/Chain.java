package dev.switchboard.core.internal.chain;

import java.util.concurrent.CompletableFuture;

/** The rest of the chain after a step. A step may call it once, several times (one per attempt) or not at all. */
@FunctionalInterface
public interface Chain {
    CompletableFuture<Reply> proceed(Exchange x);
}
