package dev.switchboard.core;

import java.time.Clock;
import java.util.Objects;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * What the gateway takes from its surroundings, injected so tests control it.
 *
 * @param clock  wall time for statistics and budgets
 * @param random randomness for weighted choices
 * @param env    lookup behind {@code ${env:NAME}} in the config (returns null when unset)
 */
public record GatewayOptions(Clock clock, RandomGenerator random, Function<String, String> env) {
    public GatewayOptions {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(env, "env");
    }

    public static GatewayOptions defaults() {
        return new GatewayOptions(Clock.systemUTC(), new java.util.Random(), System::getenv);
    }

    public GatewayOptions withClock(Clock newClock) {
        return new GatewayOptions(newClock, random, env);
    }

    public GatewayOptions withRandom(RandomGenerator newRandom) {
        return new GatewayOptions(clock, newRandom, env);
    }

    public GatewayOptions withEnv(Function<String, String> newEnv) {
        return new GatewayOptions(clock, random, newEnv);
    }
}
