package dev.switchboard.core;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * When the gateway's delayed work runs — a retry's backoff, a hedge's start — injected like the clock
 * ({@link GatewayOptions#withScheduler}), so a simulation or a test moves time instead of waiting for it.
 */
@FunctionalInterface
public interface Scheduler {
    /**
     * The JVM's own delay thread ({@link CompletableFuture#delayedExecutor}); the task runs on it, so it must be
     * short (the gateway's are: each starts an attempt and returns).
     */
    Scheduler SYSTEM = (delay, task) -> {
        CompletableFuture<Void> due = CompletableFuture.runAsync(task,
                CompletableFuture.delayedExecutor(Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS, Runnable::run));
        return () -> due.cancel(false);
    };

    /** Runs {@code task} once, {@code delay} from now; cancelling the handle before then means it never runs. */
    Cancellable after(Duration delay, Runnable task);

    /** A task that was scheduled. */
    @FunctionalInterface
    interface Cancellable {
        /** It will not run (a no-op once it has). */
        void cancel();
    }
}
