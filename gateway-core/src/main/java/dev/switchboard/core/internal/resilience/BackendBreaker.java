package dev.switchboard.core.internal.resilience;

import dev.switchboard.core.config.BreakerSpec;
import dev.switchboard.core.resilience.BreakerState;
import dev.switchboard.core.resilience.BreakerStatus;
import dev.switchboard.core.resilience.BreakerTransition;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.internal.CircuitBreakerStateMachine;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.OptionalDouble;
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

    private final String backend;
    private final CircuitBreaker breaker;
    private final Clock clock;
    private final Duration openFor;
    private final ArrayDeque<BreakerTransition> transitions = new ArrayDeque<>();
    private final Consumer<BreakerTransition> onTransition;
    /**
     * The state last noted, under {@link #changes}. The breaker's changes are read after each call that can make one,
     * not from resilience4j's event publisher: once anything listens there it builds an event (with a zoned timestamp
     * from the system clock) for every call's success and failure, which a profile at saturation put at 2% of the
     * sidecar's samples, for the few changes a breaker makes in a day.
     */
    private CircuitBreaker.State seen;
    /**
     * Held across each call that can change the state and the note of its change. Each such call makes one change at
     * most, so every change is noted, in order, with the state it came from: unheld, a probe's OPEN→HALF_OPEN and a
     * late failure's HALF_OPEN→OPEN on two threads could both happen before either looked, and cancel out (an
     * independent review reproduced it: the open went unrecorded and {@link #rejectsNow()} said no while open).
     */
    private final Object changes = new Object();

    public BackendBreaker(String backend, BreakerSpec spec, Clock clock, Consumer<BreakerTransition> onTransition) {
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
        this.onTransition = onTransition;
        this.seen = breaker.getState();
    }

    public String backend() {
        return backend;
    }

    /** Asks for a permit; false while open (or when the half-open probes are taken). */
    public boolean tryAcquire() {
        synchronized (changes) {
            boolean permitted = breaker.tryAcquirePermission();
            noteChange();
            return permitted;
        }
    }

    /** Gives back a permit that was not used for a call. */
    public void release() {
        synchronized (changes) {
            breaker.releasePermission();
            noteChange();
        }
    }

    public void onSuccess(Duration duration) {
        synchronized (changes) {
            breaker.onSuccess(duration.toNanos(), TimeUnit.NANOSECONDS);
            noteChange();
        }
    }

    public void onFailure(Duration duration, String kind) {
        synchronized (changes) {
            breaker.onError(duration.toNanos(), TimeUnit.NANOSECONDS, new BackendFailure(kind));
            noteChange();
        }
    }

    /** Records the change of state the call just made, if it made one (under {@link #changes}). */
    private void noteChange() {
        CircuitBreaker.State now = breaker.getState();
        CircuitBreaker.State before = seen;
        if (now == before) {
            return;
        }
        seen = now;
        BreakerTransition t = new BreakerTransition(clock.instant(), stateOf(before), stateOf(now));
        synchronized (transitions) {
            transitions.addLast(t);
            if (transitions.size() > 20) {
                transitions.removeFirst();
            }
        }
        onTransition.accept(t);
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
        BreakerTransition opened;
        synchronized (transitions) {
            opened = transitions.peekLast();
        }
        return opened == null || clock.instant().isBefore(opened.at().plus(openFor));
    }

    public BreakerState state() {
        return stateOf(breaker.getState());
    }

    public float failureRate() {
        return breaker.getMetrics().getFailureRate();
    }

    /** The public view: state, failure rate (resilience4j says -1 until its window is full enough) and changes. */
    public BreakerStatus status() {
        float rate = failureRate();
        return new BreakerStatus(state(), rate < 0 ? OptionalDouble.empty() : OptionalDouble.of(rate), transitions());
    }

    public List<BreakerTransition> transitions() {
        synchronized (transitions) {
            return List.copyOf(transitions);
        }
    }


    private static BreakerState stateOf(CircuitBreaker.State state) {
        return BreakerState.valueOf(state.name());
    }
}
