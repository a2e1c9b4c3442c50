package dev.switchboard.core.config;

import java.util.Objects;

/** Price of a backend per million tokens, in one currency. */
public record PriceSpec(double inputPerMtok, double outputPerMtok, String currency) {
    public static final PriceSpec FREE = new PriceSpec(0, 0, "USD");

    public PriceSpec {
        Objects.requireNonNull(currency, "currency");
    }

    /** What a call that read and wrote these many tokens costs, in {@link #currency}. */
    public double costOf(long promptTokens, long completionTokens) {
        return (promptTokens * inputPerMtok + completionTokens * outputPerMtok) / 1e6;
    }
}
