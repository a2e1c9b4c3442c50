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
