package dev.switchboard.core.config;

/**
 * How many requests the gateway works on before their first token at once: beyond that it answers 503 with
 * {@code Retry-After} at once (sheds) instead of queueing, so what it admits keeps its latency.
 *
 * @param mode    {@code off} (the default), {@code adaptive} (the limit follows measured latency: a gradient limit
 *                that shrinks when time to first token grows over its long-run minimum) or {@code fixed}
 * @param initial the limit to start from (the limit itself when fixed)
 * @param min     the adaptive limit never goes below this
 * @param max     nor above this
 * @param maxQueueDelay the sidecar also sheds a model call at its headers, before its body is read, while its event
 *                loop runs more than this late (what a request waits before it is read: the queue the limit cannot
 *                see); zero turns that off. The embedded library has no event loop and ignores it.
 */
public record OverloadSpec(Mode mode, int initial, int min, int max, java.time.Duration maxQueueDelay) {
    public enum Mode { OFF, ADAPTIVE, FIXED }

    /**
     * The sidecar's default {@link #maxQueueDelay}: a shed answer waits about this long plus the loop's current
     * stall. 1 ms measured better than 2 ms on every count in the same runs (BENCHMARKS.md §7): shed answers sooner,
     * admitted calls' p99 no worse, and no more shed at half load, since a burst still has to outlast five limits.
     */
    public static final java.time.Duration DEFAULT_MAX_QUEUE_DELAY = java.time.Duration.ofMillis(1);

    public static final OverloadSpec OFF = new OverloadSpec(Mode.OFF, 100, 10, 2000);

    public OverloadSpec {
        java.util.Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
    }

    /** Whether {@code other} describes the same limiter (the edge's {@link #maxQueueDelay} aside). */
    public boolean sameLimit(OverloadSpec other) {
        return other != null && mode == other.mode && initial == other.initial && min == other.min
                && max == other.max;
    }

    public OverloadSpec(Mode mode, int initial, int min, int max) {
        this(mode, initial, min, max, DEFAULT_MAX_QUEUE_DELAY);
    }
}
