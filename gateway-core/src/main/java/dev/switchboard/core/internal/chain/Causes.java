package dev.switchboard.core.internal.chain;

import java.util.concurrent.CompletionException;

/** What a failed future's error stands for: the cause a {@link CompletionException} wraps, or the error itself. */
public final class Causes {
    private Causes() {
    }

    public static Throwable of(Throwable error) {
        return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    }
}
