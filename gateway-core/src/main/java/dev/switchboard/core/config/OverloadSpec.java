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
 */
public record OverloadSpec(Mode mode, int initial, int min, int max) {
    public enum Mode { OFF, ADAPTIVE, FIXED }

    public static final OverloadSpec OFF = new OverloadSpec(Mode.OFF, 100, 10, 2000);
}
