package dev.switchboard.core.internal.state;

import java.util.concurrent.CompletableFuture;

/** A backend's {@code max-concurrency}: a slot per call in flight, never waited for. */
public interface CapacityGate {
    /**
     * A slot, or null when the backend is full. Fails with {@link StateUnavailableException} when the count is
     * shared, the store cannot answer and its policy treats the backend as full.
     */
    CompletableFuture<Slot> acquire();

    /** A held slot; give it back once when the call ends. */
    @FunctionalInterface
    interface Slot {
        void release();
    }
}
