package dev.switchboard.server.simulate;

import dev.switchboard.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * The simulation's time: a manual clock, and what is due on it (simulated backends' first tokens and ends), run in
 * time order on the one simulation thread. The gateway reads the same clock and a ticker derived from it, so its
 * statistics, breakers, budgets, stream timings, retry backoffs and hedges all run on simulated time.
 */
final class SimulatedTime implements dev.switchboard.core.Scheduler {
    private final Instant start;
    private final ManualClock clock;
    private final PriorityQueue<Due> due = new PriorityQueue<>();
    private long sequence;

    private record Due(double at, long sequence, Runnable task) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = Double.compare(at, o.at);
            return c != 0 ? c : Long.compare(sequence, o.sequence);
        }
    }

    SimulatedTime(Instant start) {
        this.start = start;
        this.clock = new ManualClock(start);
    }

    ManualClock clock() {
        return clock;
    }

    /** Seconds since the start of the traffic. */
    double now() {
        return Duration.between(start, clock.instant()).toNanos() / 1e9;
    }

    /** Nanoseconds since the start: the gateway's ticker. */
    long nanos() {
        return Duration.between(start, clock.instant()).toNanos();
    }

    /** Runs {@code task} {@code seconds} from now. */
    void after(double seconds, Runnable task) {
        due.add(new Due(now() + Math.max(0, seconds), sequence++, task));
    }

    /** The gateway's delayed work (retry backoffs, hedges) runs on simulated time too. */
    @Override
    public Cancellable after(Duration delay, Runnable task) {
        java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
        after(delay.toNanos() / 1e9, () -> {
            if (!cancelled.get()) {
                task.run();
            }
        });
        return () -> cancelled.set(true);
    }

    /** Runs, in order, everything due up to {@code seconds} since the start, then sets the clock there. */
    void advanceTo(double seconds) {
        while (!due.isEmpty() && due.peek().at() <= seconds) {
            Due d = due.poll();
            set(d.at());
            d.task().run();
        }
        set(seconds);
    }

    /** Runs everything still due. */
    void drain() {
        while (!due.isEmpty()) {
            Due d = due.poll();
            set(d.at());
            d.task().run();
        }
    }

    private void set(double seconds) {
        Instant t = start.plusNanos((long) (seconds * 1e9));
        if (t.isAfter(clock.instant())) {
            clock.set(t);
        }
    }
}
