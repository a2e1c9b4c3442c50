package dev.switchboard.core;

/** Tokens of one call as the upstream reported them ({@link #UNKNOWN} when it did not). */
public record Usage(long promptTokens, long completionTokens) {
    public static final Usage UNKNOWN = new Usage(-1, -1);

    public boolean known() {
        return promptTokens >= 0;
    }

    public long totalTokens() {
        return known() ? promptTokens + completionTokens : -1;
    }
}
