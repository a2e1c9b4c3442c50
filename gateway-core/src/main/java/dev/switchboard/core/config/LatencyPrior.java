package dev.switchboard.core.config;

import java.time.Duration;

/**
 * What to assume of a backend's speed before it has answered anything (and while its statistics are empty):
 * from its service agreement or a load test. Absent values mean "unknown".
 *
 * @param firstToken      typical time to the first token
 * @param tokensPerSecond typical generation speed
 */
public record LatencyPrior(Duration firstToken, double tokensPerSecond) {
    public static final LatencyPrior UNKNOWN = new LatencyPrior(null, 0);
}
