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
 * @param meters where the gateway's metrics go
 */
public record GatewayOptions(Clock clock, RandomGenerator random, Function<String, String> env,
        io.micrometer.core.instrument.MeterRegistry meters, dev.switchboard.core.backend.BackendFactory backends) {
    public GatewayOptions {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(meters, "meters");
        Objects.requireNonNull(backends, "backends");
    }

    public static GatewayOptions defaults() {
        return new GatewayOptions(Clock.systemUTC(), new java.util.Random(), System::getenv,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                dev.switchboard.core.backend.BackendFactory.OKHTTP);
    }

    public GatewayOptions withClock(Clock newClock) {
        return new GatewayOptions(newClock, random, env, meters, backends);
    }

    public GatewayOptions withRandom(RandomGenerator newRandom) {
        return new GatewayOptions(clock, newRandom, env, meters, backends);
    }

    public GatewayOptions withEnv(Function<String, String> newEnv) {
        return new GatewayOptions(clock, random, newEnv, meters, backends);
    }

    public GatewayOptions withMeters(io.micrometer.core.instrument.MeterRegistry newMeters) {
        return new GatewayOptions(clock, random, env, newMeters, backends);
    }

    /** How backends are called (the sidecar's own Netty transport instead of OkHttp, say). */
    public GatewayOptions withBackends(dev.switchboard.core.backend.BackendFactory newBackends) {
        return new GatewayOptions(clock, random, env, meters, newBackends);
    }
}
