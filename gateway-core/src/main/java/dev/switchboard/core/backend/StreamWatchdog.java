package dev.switchboard.core.backend;

import dev.switchboard.core.config.LimitsSpec;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Watches every open upstream stream from one timer thread: no first token in time, silence between chunks, a
 * backend dribbling tokens slower than its minimum, a call past its total time. A stream that breaks a guard is
 * cancelled and remembers why, so it fails with its own kind and message. One sweep over all streams every 50 ms
 * costs far less than a timer per chunk with thousands of streams open.
 */
public final class StreamWatchdog {
    static final long TICK_MILLIS = 50;

    private final Set<Guard> open = ConcurrentHashMap.newKeySet();
    private final LongSupplier ticker;

    /**
     * @param timers sweeps every {@value #TICK_MILLIS} ms on it
     * @param ticker monotonic nanoseconds (the gateway's; a test's own, so guards are tested without sleeping)
     */
    StreamWatchdog(ScheduledExecutorService timers, LongSupplier ticker) {
        this.ticker = ticker;
        timers.scheduleWithFixedDelay(this::sweep, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Watches a stream from now; {@code cancel} stops it (from the watchdog's thread) when a guard breaks. */
    public Guard watch(String backend, LimitsSpec limits, Runnable cancel) {
        Guard g = new Guard(backend, limits, cancel, ticker.getAsLong());
        open.add(g);
        return g;
    }

    int watching() {
        return open.size();
    }

    /** One check of every open stream, now. */
    void sweep() {
        long now = ticker.getAsLong();
        for (Guard g : open) {
            g.check(now);
        }
    }

    /** One stream's clocks. Events come from its reader thread; checks from the watchdog's. */
    public final class Guard {
        private final String backend;
        private final LimitsSpec limits;
        private final Runnable cancel;
        private final long startNanos;
        private volatile long firstEventNanos;
        private volatile boolean started;
        private volatile long lastEventNanos;
        private volatile int events;
        /** Why a guard broke the stream, set once (the sweep and a caller may look at the same moment). */
        private final java.util.concurrent.atomic.AtomicReference<Breach> broken =
                new java.util.concurrent.atomic.AtomicReference<>();
        private volatile boolean abandoned;
        /** Reading is stopped because the client cannot take more: silence then is the client's, not the backend's. */
        private volatile boolean paused;
        private volatile long pausedAt;
        /** Time the client held the stream back: not the backend's, so not counted against its speed. */
        private volatile long heldBackNanos;

        private record Breach(UpstreamFailure.Kind kind, String message) {
        }

        Guard(String backend, LimitsSpec limits, Runnable cancel, long startNanos) {
            this.backend = backend;
            this.limits = limits;
            this.cancel = cancel;
            this.startNanos = startNanos;
        }

        public void onEvent() {
            long now = ticker.getAsLong();
            if (!started) {
                firstEventNanos = now;
                started = true;
            }
            lastEventNanos = now;
            events++;
        }

        void check(long now) {
            if (broken.get() != null) {
                return;
            }
            long first = firstEventNanos;
            boolean any = started;
            if (now - startNanos > limits.totalTimeout().toNanos()) {
                breakWith(UpstreamFailure.Kind.TOTAL_TIMEOUT, "backend '" + backend + "' stream exceeded its total "
                        + "time of " + limits.totalTimeout().toMillis() + " ms");
            } else if (!any) {
                if (now - startNanos > limits.firstTokenTimeout().toNanos()) {
                    breakWith(UpstreamFailure.Kind.FIRST_TOKEN_TIMEOUT, "backend '" + backend + "' sent no first "
                            + "token within " + limits.firstTokenTimeout().toMillis() + " ms");
                }
            } else if (paused) {
                return; // only the total time applies while the client holds the stream back
            } else if (now - lastEventNanos > limits.idleTimeout().toNanos()) {
                breakWith(UpstreamFailure.Kind.IDLE_TIMEOUT, "backend '" + backend + "' went silent for more than "
                        + limits.idleTimeout().toMillis() + " ms mid-stream");
            } else if (limits.minTokensPerSecond() > 0
                    && now - first - heldBackNanos > LimitsSpec.SLOW_GRACE.toNanos()) {
                double tps = (events - 1) * 1e9 / (now - first - heldBackNanos);
                if (tps < limits.minTokensPerSecond()) {
                    breakWith(UpstreamFailure.Kind.TOO_SLOW, String.format(java.util.Locale.ROOT,
                            "backend '%s' streams %.1f tokens/s, below its minimum of %.1f", backend, tps,
                            limits.minTokensPerSecond()));
                }
            }
        }

        private void breakWith(UpstreamFailure.Kind kind, String why) {
            if (broken.compareAndSet(null, new Breach(kind, why))) {
                cancel.run(); // once, however many checks found the breach
            }
        }

        /** Reading stopped for a slow client: idle and speed guards wait until {@link #resume}. */
        public void pause() {
            if (!paused) {
                pausedAt = ticker.getAsLong();
                paused = true;
            }
        }

        /** Reading goes on; the idle clock starts again from now. */
        public void resume() {
            long now = ticker.getAsLong();
            if (paused) {
                heldBackNanos += now - pausedAt;
            }
            lastEventNanos = now;
            paused = false;
        }

        /** The caller no longer wants the stream. */
        public void abandon() {
            abandoned = true;
            done();
            cancel.run();
        }

        public void done() {
            open.remove(this);
        }

        /** Whether a guard broke (the stream is being stopped for it). */
        public boolean isBroken() {
            return broken.get() != null;
        }

        /** The failure of a stream that ended early: a broken guard's, the caller's cancellation, or else. */
        public UpstreamFailure failure(java.util.function.Supplier<UpstreamFailure> otherwise) {
            Breach breach = broken.get();
            if (breach != null) {
                return new UpstreamFailure(breach.kind(), backend, breach.message(), 0, null, null, null);
            }
            if (abandoned) {
                return new UpstreamFailure(UpstreamFailure.Kind.CANCELLED, backend, "stream of backend '" + backend
                        + "' was cancelled", 0, null, null, null);
            }
            return otherwise.get();
        }

        /** The failure for an I/O error of this stream: a broken guard's, the caller's cancellation, or the error's. */
        UpstreamFailure classify(java.io.IOException e, java.util.function.BiFunction<java.io.IOException, Boolean,
                UpstreamFailure> fallback) {
            Breach breach = broken.get();
            if (breach != null) {
                return new UpstreamFailure(breach.kind(), backend, breach.message(), 0, null, null, e);
            }
            return fallback.apply(e, abandoned);
        }
    }
}
