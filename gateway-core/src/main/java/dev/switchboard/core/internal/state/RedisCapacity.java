package dev.switchboard.core.internal.state;

import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.StateSpec;
import dev.switchboard.core.internal.stats.BackendStats;
import io.lettuce.core.ScriptOutputType;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A backend's {@code max-concurrency} counted across every sidecar: a distributed semaphore whose permits are
 * leases in a sorted set ({@code capacity:{backend}}) scored by expiry. Taking a slot first drops the expired
 * ones, so the slots of a sidecar that died come back one lease after its last renewal.
 */
final class RedisCapacity implements CapacityGate {
    private final RedisStateStore store;
    private final BackendSpec backend;
    private final BackendStats stats;
    private final String key;
    private final CapacityGate local;

    RedisCapacity(RedisStateStore store, BackendSpec backend, BackendStats stats) {
        this.store = store;
        this.backend = backend;
        this.stats = stats;
        this.key = store.key("capacity:{" + backend.name() + "}");
        this.local = MemoryStateStore.localCapacity(stats);
    }

    @Override
    public CompletableFuture<Slot> acquire() {
        String id = store.newId();
        long leaseMillis = store.lease().toMillis();
        store.hold(key, id, leaseMillis * 2, true);
        CompletableFuture<List<Object>> reply = store.eval("capacity_acquire", RedisStateStore.CAPACITY_ACQUIRE_SCRIPT,
                ScriptOutputType.MULTI, new String[] {key}, store.clock().millis(), leaseMillis, id,
                backend.limits().maxConcurrency());
        return reply.handle((r, error) -> {
            if (error != null) {
                store.forget(key, id);
                store.compensate(error, () -> send(id)); // in case the timed-out command still ran
                return fallback(error);
            }
            stats.observeShared(((Number) r.get(1)).intValue());
            if (((Number) r.get(0)).longValue() == 0 || !stats.tryAcquire()) {
                store.forget(key, id);
                if (((Number) r.get(0)).longValue() != 0) {
                    release(id);
                }
                return null;
            }
            return () -> {
                stats.release();
                release(id);
            };
        });
    }

    private void release(String id) {
        store.forget(key, id);
        store.track(send(id)).whenComplete((v, error) -> {
            if (error != null) {
                store.retryLater(() -> send(id)); // meanwhile the lease, no longer renewed, runs out anyway
            }
        });
    }

    private CompletableFuture<?> send(String id) {
        return store.<Long>eval("capacity_release", RedisStateStore.CAPACITY_RELEASE_SCRIPT, ScriptOutputType.INTEGER,
                new String[] {key}, id).thenAccept(n -> stats.observeShared(n.intValue()));
    }

    private Slot fallback(Throwable error) {
        store.fellBack("capacity");
        if (store.policy().capacity() == StateSpec.CapacityFallback.LOCAL) {
            return local.acquire().join(); // completed: the in-process gate never waits
        }
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        throw new StateUnavailableException("the capacity of backend '" + backend.name() + "' is counted in the "
                + "shared state store, which cannot be reached; it counts as full", cause);
    }
}
