package dev.switchboard.core.resilience;

import dev.switchboard.core.config.BreakerSpec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One backend's circuit breaker: resilience4j's state machine, fed with the gateway's own classification of
 * failures (a request the upstream refused as invalid is not the backend's fault), on the injected clock so tests
 * advance time instead of sleeping. Keeps its recent state changes for the admin API.
 */
public final class BackendBreaker {
    /** Recorded for every failure the breaker counts; never thrown. */
    static final class BackendFailure extends RuntimeException {
        BackendFailure(String kind) {
            super(kind, null, false, false);
        }
    }

    /** A state change, for admin output. */
    public record Transition(Instant at, BreakerState from, BreakerState to) {
    }

    private final String backend;
    private final CircuitBreaker breaker;
    private final Clock clock;
    private final Duration openFor;
    private final ArrayDeque<Transition> transitions = new ArrayDeque<>();

    public BackendBreaker(String backend, BreakerSpec spec, Clock clock, Consumer<Transition> onTransition) {
        this.backend = backend;
        this.clock = clock;
        this.openFor = spec.openFor();
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .failureRateThreshold(spec.failureRate())
                .slowCallRateThreshold(spec.slowCallRate())
                .slowCallDurationThreshold(spec.slowCall())
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(spec.window())
                .minimumNumberOfCalls(Math.min(spec.minimumCalls(), spec.window()))
                .waitDurationInOpenState(spec.openFor())
                .permittedNumberOfCallsInHalfOpenState(spec.halfOpenCalls())
                .recordException(t -> t instanceof BackendFailure)
                .clock(clock)
                .currentTimestampFunction(c -> TimeUnit.MILLISECONDS.toNanos(c.millis()), TimeUnit.NANOSECONDS)
                .build();
        this.breaker = new CircuitBreakerStateMachine(backend, config);
        breaker.getEventPublisher().onStateTransition(e -> {
            Transition t = new Transition(clock.instant(), BreakerState.of(e.getStateTransition().getFromState()),
                    BreakerState.of(e.getStateTransition().getToState()));
            synchronized (transitions) {
                transitions.addLast(t);
                if (transitions.size() > 20) {
                    transitions.removeFirst();
                }
            }
            onTransition.accept(t);
        });
    }

    public String backend() {
        return backend;
    }

    /** Asks for a permit; false while open (or when the half-open probes are taken). */
    public boolean tryAcquire() {
        return breaker.tryAcquirePermission();
    }

    /** Gives back a permit that was not used for a call. */
    public void release() {
        breaker.releasePermission();
    }

    public void onSuccess(Duration duration) {
        breaker.onSuccess(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    public void onFailure(Duration duration, String kind) {
        breaker.onError(duration.toNanos(), TimeUnit.NANOSECONDS, new BackendFailure(kind));
    }

    /** Whether a call now would be refused without side effects (open, and its wait not yet over). */
    public boolean rejectsNow() {
        CircuitBreaker.State s = breaker.getState();
        if (s == CircuitBreaker.State.FORCED_OPEN) {
            return true;
        }
        if (s != CircuitBreaker.State.OPEN) {
            return false;
        }
        Transition opened;
        synchronized (transitions) {
            opened = transitions.peekLast();
        }
        return opened == null || clock.instant().isBefore(opened.at().plus(openFor));
    }

    public BreakerState state() {
        return BreakerState.of(breaker.getState());
    }

    public float failureRate() {
        return breaker.getMetrics().getFailureRate();
    }

    public List<Transition> transitions() {
        synchronized (transitions) {
            return List.copyOf(transitions);
        }
    }

}
