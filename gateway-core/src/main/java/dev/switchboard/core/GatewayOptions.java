package dev.switchboard.core;

import io.opentelemetry.api.OpenTelemetry;
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
 * @param backends how backends are called
 * @param ticker monotonic nanoseconds, for how long things took (first token, breaker slow calls, attempt times):
 *               {@code System::nanoTime}, or a simulated time
 * @param openTelemetry where the gateway's traces go: the application's own instance (its SDK, exporter and
 *               sampler); {@link OpenTelemetry#noop()} (the default) makes no span at all
 * @param scheduler when delayed work runs (retry backoffs, hedges): {@link Scheduler#SYSTEM}, or a simulated time
 * @param calls  told of every request when it ends, with the record the audit log writes (never prompt text unless
 *               {@code compliance.log-prompts} is on); called on whichever thread ended the request, so it must not
 *               block: the sidecar's access log queues the line. Does nothing by default
 */
public record GatewayOptions(Clock clock, RandomGenerator random, Function<String, String> env,
        io.micrometer.core.instrument.MeterRegistry meters, dev.switchboard.core.backend.BackendFactory backends,
        java.util.function.LongSupplier ticker, OpenTelemetry openTelemetry, Scheduler scheduler,
        java.util.function.Consumer<CallRecord> calls) {
    public GatewayOptions {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(meters, "meters");
        Objects.requireNonNull(backends, "backends");
        Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(openTelemetry, "openTelemetry");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(calls, "calls");
    }

    /** The options as they were before traces: no OpenTelemetry. */
    public GatewayOptions(Clock clock, RandomGenerator random, Function<String, String> env,
            io.micrometer.core.instrument.MeterRegistry meters, dev.switchboard.core.backend.BackendFactory backends,
            java.util.function.LongSupplier ticker) {
        this(clock, random, env, meters, backends, ticker, OpenTelemetry.noop(), Scheduler.SYSTEM, r -> { });
    }

    public static GatewayOptions defaults() {
        return new GatewayOptions(Clock.systemUTC(), new java.util.Random(), System::getenv,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                dev.switchboard.core.backend.BackendFactory.OKHTTP, System::nanoTime, OpenTelemetry.noop(),
                Scheduler.SYSTEM, r -> { });
    }

    public GatewayOptions withClock(Clock newClock) {
        return new GatewayOptions(newClock, random, env, meters, backends, ticker, openTelemetry, scheduler, calls);
    }

    public GatewayOptions withRandom(RandomGenerator newRandom) {
        return new GatewayOptions(clock, newRandom, env, meters, backends, ticker, openTelemetry, scheduler, calls);
    }

    public GatewayOptions withEnv(Function<String, String> newEnv) {
        return new GatewayOptions(clock, random, newEnv, meters, backends, ticker, openTelemetry, scheduler, calls);
    }

    public GatewayOptions withMeters(io.micrometer.core.instrument.MeterRegistry newMeters) {
        return new GatewayOptions(clock, random, env, newMeters, backends, ticker, openTelemetry, scheduler, calls);
    }

    /** How backends are called (the sidecar's own Netty transport instead of OkHttp, say). */
    public GatewayOptions withBackends(dev.switchboard.core.backend.BackendFactory newBackends) {
        return new GatewayOptions(clock, random, env, meters, newBackends, ticker, openTelemetry, scheduler, calls);
    }

    /**
     * Traces every request on this OpenTelemetry instance: a span per request, per step and per attempt, with the
     * trace context passed on to backends (see OPERATIONS.md, "Traces").
     */
    public GatewayOptions withOpenTelemetry(OpenTelemetry newOpenTelemetry) {
        return new GatewayOptions(clock, random, env, meters, backends, ticker, newOpenTelemetry, scheduler, calls);
    }

    /** When delayed work runs (retry backoffs, hedges): a simulation runs them on its own time. */
    public GatewayOptions withScheduler(Scheduler newScheduler) {
        return new GatewayOptions(clock, random, env, meters, backends, ticker, openTelemetry, newScheduler, calls);
    }

    /** Where durations come from: a simulation runs the real chain on simulated time. */
    public GatewayOptions withTicker(java.util.function.LongSupplier newTicker) {
        return new GatewayOptions(clock, random, env, meters, backends, newTicker, openTelemetry, scheduler, calls);
    }

    /**
     * Tells {@code listener} of every request when it ends (answered, refused, shed, failed, cut or abandoned), with
     * the same record the audit log writes: the sidecar's access log is one. It must not block.
     */
    public GatewayOptions withCallListener(java.util.function.Consumer<CallRecord> listener) {
        return new GatewayOptions(clock, random, env, meters, backends, ticker, openTelemetry, scheduler, listener);
    }
}
