package dev.switchboard.core.internal.routing;

import dev.switchboard.core.config.BackendSpec;

/** Money for tokens at a backend's prices. */
public final class Costs {
    private Costs() {
    }

    /**
     * Expected cost of a request before the call: the prompt estimate scaled by the backend's token factor, and the
     * expected output, at its prices.
     */
    public static double estimate(BackendSpec backend, int estimatedPromptTokens, int outputTokens) {
        return (estimatedPromptTokens * backend.tokenFactor() * backend.price().inputPerMtok()
                + outputTokens * backend.price().outputPerMtok()) / 1e6;
    }

    /**
     * As {@link #estimate(BackendSpec, int, int)}, counting the prompt only when its tokens have a price on this
     * backend: the count is the dearest part of a decision, and a backend without an input price needs none.
     */
    public static double estimate(BackendSpec backend, java.util.function.IntSupplier promptTokens, int outputTokens) {
        return estimate(backend, pricesPrompt(backend) ? promptTokens.getAsInt() : 0, outputTokens);
    }

    /** Whether this backend's cost depends on the prompt's tokens. */
    public static boolean pricesPrompt(BackendSpec backend) {
        return backend.price().inputPerMtok() != 0 && backend.tokenFactor() != 0;
    }

    /** As {@link #worstCase(BackendSpec, int, Integer)}, counting the prompt only when it has a price. */
    public static double worstCase(BackendSpec backend, java.util.function.IntSupplier promptTokens,
            Integer maxTokens) {
        return worstCase(backend, pricesPrompt(backend) ? promptTokens.getAsInt() : 0, maxTokens);
    }

    /** Cost of tokens the backend reported (its own counts: no factor). */
    public static double actual(BackendSpec backend, long promptTokens, long completionTokens) {
        return backend.price().costOf(promptTokens, completionTokens);
    }

    /** The most a request may cost: its prompt, and {@code max_tokens} or the backend's output cap. */
    public static double worstCase(BackendSpec backend, int estimatedPromptTokens, Integer maxTokens) {
        int output = maxTokens != null ? maxTokens : backend.maxOutputTokens();
        return estimate(backend, estimatedPromptTokens, output);
    }
}
