package dev.switchboard.server.http;

import io.netty.channel.EventLoop;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * How late one event loop runs: a probe scheduled a period ahead measures how long past its time it ran, which is
 * how long anything that became ready on the loop — a request's bytes among them — waits before the loop gets to it.
 * That wait is what a shed answer cannot avoid and what the concurrency limit cannot see (it starts counting when a
 * request is read), so the edge sheds on it.
 *
 * <p>As CoDel does for a router's queue, it tells a standing queue from a burst. A pause (a collection, a preempted
 * core) makes the probes late while the loop catches up, and at half load that drains by itself within a few
 * milliseconds: shedding then would refuse requests the loop is about to serve. So the loop starts counting as late
 * only once every probe for {@link #INTERVALS} limits' length ran more than the limit late (the least delay over
 * that window is over the limit: a standing queue), and stays late while the probes do.
 *
 * <p>A longer pause (tens of milliseconds: a slow collection, a host that takes the core away) leaves a backlog that
 * takes about as long to drain at half load, longer than that window. Its probes run late all the while, but each
 * less late than every one before it, where a standing queue's stay as late or grow again. So a loop whose delay has shrunk
 * since its probes started running late is draining, not overloaded, and counts as late only if it is still late
 * after {@link #DRAIN_NANOS} (CoDel's own interval) — a queue that drains that slowly is standing after all.
 *
 * <p>Probes run only while requests arrive or the loop runs late: an idle sidecar schedules nothing. Time is the loop's own ticker.
 * Confined to its loop's thread.
 */
final class LoopDelay {
    /** How often a busy loop is probed. */
    static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** How long, in limits, the probes must run late before the loop counts as late. */
    static final int INTERVALS = 5;
    /** How long a draining loop (its delay shrinking) may run late before it counts as late all the same. */
    static final long DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** A loop that has seen no request for this long stops probing (and counts as on time). */
    private static final long IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final EventLoop loop;
    /** Told each probe's delay: the sidecar's metric of how late its loops run. */
    private final LongConsumer onProbe;
    private boolean probing;
    private long dueNanos;
    private long lastRequestNanos;
    private long lastDelayNanos;
    /** Whether the last probes ran more than {@link #limitNanos} late, since when, and the least late of them. */
    private boolean lateRun;
    private long lateSinceNanos;
    private long leastLateDelayNanos;
    /** Whether the loop counts as late. */
    private boolean late;
    /** The limit of the last caller of {@link #lateBy}. */
    private long limitNanos = Long.MAX_VALUE;

    private LoopDelay(EventLoop loop, LongConsumer onProbe) {
        this.loop = loop;
        this.onProbe = onProbe;
    }

    /** One monitor per event loop of a server. */
    static final class PerLoop {
        private final ConcurrentHashMap<EventLoop, LoopDelay> loops = new ConcurrentHashMap<>();
        private final LongConsumer onProbe;

        PerLoop() {
            this(nanos -> { });
        }

        /** @param onProbe told, on the loop, how late (ns) each probe ran */
        PerLoop(LongConsumer onProbe) {
            this.onProbe = onProbe;
        }

        LoopDelay of(EventLoop loop) {
            return loops.computeIfAbsent(loop, l -> new LoopDelay(l, onProbe));
        }
    }

    /** A request arrived: keep probing the loop. */
    void requestArrived() {
        long now = loop.ticker().nanoTime();
        lastRequestNanos = now;
        if (!probing) {
            probing = true;
            schedule(now);
        }
    }

    /** Whether the loop runs more than {@code limit} late, as the class says. */
    boolean lateBy(long limit) {
        if (limit != limitNanos) {
            limitNanos = limit;
            late = false;
            lateRun = false;
        }
        return probing && late;
    }

    /** How late the last probe ran (0 when idle). */
    long delayNanos() {
        return probing ? lastDelayNanos : 0;
    }

    private void schedule(long now) {
        dueNanos = now + PERIOD_NANOS;
        loop.schedule(this::probe, PERIOD_NANOS, TimeUnit.NANOSECONDS);
    }

    /** Runs on the loop when it gets to the probe. */
    private void probe() {
        long now = loop.ticker().nanoTime();
        lastDelayNanos = Math.max(0, now - dueNanos);
        onProbe.accept(lastDelayNanos);
        if (lastDelayNanos <= limitNanos) {
            lateRun = false;
            late = false;
        } else {
            boolean draining;
            if (!lateRun) {
                lateRun = true;
                lateSinceNanos = now;
                leastLateDelayNanos = lastDelayNanos;
                draining = false;
            } else {
                // Draining while each probe is less late than every one before it in this run: a queue that stands,
                // or grows again after shrinking, is not a burst going away.
                draining = lastDelayNanos < leastLateDelayNanos;
                leastLateDelayNanos = Math.min(leastLateDelayNanos, lastDelayNanos);
            }
            long lateFor = now - lateSinceNanos;
            if (lateFor >= INTERVALS * limitNanos && !draining
                    || lateFor >= Math.max(DRAIN_NANOS, INTERVALS * limitNanos)) {
                late = true;
            }
        }
        // Idle: no request for a while and the loop on time. A loop running late keeps probing even when no request
        // has been read lately — the requests are there, waiting in their sockets for the loop to get to them.
        if (now - lastRequestNanos > IDLE_NANOS && lastDelayNanos <= limitNanos) {
            probing = false;
            lastDelayNanos = 0;
            lateRun = false;
            late = false;
            return;
        }
        schedule(now);
    }
}
