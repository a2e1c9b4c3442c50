package dev.switchboard.core.internal.stats;

import java.time.Clock;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Live signals of one backend: time to first token, generation speed, failures and calls in flight against its
 * capacity. Samples older than the window stop counting. The clock is injected so tests advance time instead of
 * sleeping.
 */
public final class BackendStats {
    /** How far back samples count. */
    public static final Duration WINDOW = Duration.ofMinutes(5);
    private static final int SAMPLES = 256;

    private final String backend;
    private final int capacity;
    private final SampleWindow firstTokenMillis;
    private final SampleWindow tokensPerSecond;
    private final SampleWindow outcomes;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Clock clock;
    /** Calls in flight from every sidecar, as the shared store last said, and when (ms); -1: never. */
    private volatile int sharedInFlight;
    private volatile long sharedAt = -1;
    /** How long the shared count is trusted for routing; admission always asks the store. */
    private static final long SHARED_FRESH_MILLIS = 1000;

    public BackendStats(String backend, int capacity, Clock clock) {
        this.backend = backend;
        this.capacity = capacity;
        this.clock = clock;
        this.firstTokenMillis = new SampleWindow(clock, WINDOW.toMillis(), SAMPLES);
        this.tokensPerSecond = new SampleWindow(clock, WINDOW.toMillis(), SAMPLES);
        this.outcomes = new SampleWindow(clock, WINDOW.toMillis(), SAMPLES);
    }

    public String backend() {
        return backend;
    }

    /** Takes a slot if fewer than {@code max-concurrency} calls are in flight; never waits. */
    public boolean tryAcquire() {
        while (true) {
            int n = inFlight.get();
            if (n >= capacity) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public void release() {
        inFlight.decrementAndGet();
    }

    /**
     * Calls in flight: this process's, or the count of every sidecar when a shared store told it less than a
     * second ago.
     */
    public int inFlight() {
        int local = inFlight.get();
        return sharedAt >= 0 && clock.millis() - sharedAt <= SHARED_FRESH_MILLIS ? Math.max(local, sharedInFlight)
                : local;
    }

    /** Calls in flight from this process alone. */
    public int localInFlight() {
        return inFlight.get();
    }

    /** What the shared store said about the calls in flight from every sidecar. */
    public void observeShared(int count) {
        sharedInFlight = count;
        sharedAt = clock.millis();
    }

    public int capacity() {
        return capacity;
    }

    public boolean atCapacity() {
        return inFlight() >= capacity;
    }

    public void recordFirstToken(Duration d) {
        firstTokenMillis.record(d.toNanos() / 1e6);
    }

    public void recordTokensPerSecond(double tps) {
        if (tps > 0 && Double.isFinite(tps)) {
            tokensPerSecond.record(tps);
        }
    }

    public void recordSuccess() {
        outcomes.record(0);
    }

    public void recordFailure() {
        outcomes.record(1);
    }

    public OptionalDouble firstTokenMillis(double percentile) {
        return firstTokenMillis.percentile(percentile);
    }

    public OptionalDouble tokensPerSecond(double percentile) {
        return tokensPerSecond.percentile(percentile);
    }

    /** Failed share of the calls inside the window (0 when there were none). */
    public double errorRate() {
        return outcomes.mean();
    }

    /** A copy of the current figures, for admin pages and decision traces. */
    public Snapshot snapshot() {
        return new Snapshot(backend, inFlight(), capacity, firstTokenMillis(50), firstTokenMillis(95),
                tokensPerSecond(50), tokensPerSecond(95), errorRate(), outcomes.count());
    }

    /** The figures of one backend at one moment. */
    public record Snapshot(String backend, int inFlight, int capacity, OptionalDouble firstTokenP50Millis,
            OptionalDouble firstTokenP95Millis, OptionalDouble tokensPerSecondP50, OptionalDouble tokensPerSecondP95,
            double errorRate, int calls) {
    }
}
