package dev.switchboard.core.internal.state;

import io.lettuce.core.KeyValue;
import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Cool-downs shared on Redis: one key per backend holding the end (epoch milliseconds) and expiring with it. Reads
 * are this process's view, refreshed on every tick of the store; a cool-down set here is in force here at once and
 * sent on. When Redis is away each sidecar keeps its own (fall back to local, as the cache does).
 */
final class RedisCoolDowns implements CoolDowns {
    private final RedisStateStore store;
    private final LocalCoolDowns local;
    private volatile List<String> watched = List.of();

    RedisCoolDowns(RedisStateStore store) {
        this.store = store;
        this.local = new LocalCoolDowns(store.clock());
        store.onTick("cool-downs", this::refresh);
    }

    private String key(String backend) {
        return store.key("cooldown:{" + backend + "}");
    }

    @Override
    public Optional<Instant> until(String backend) {
        return local.until(backend);
    }

    @Override
    public void coolDown(String backend, Instant until) {
        local.coolDown(backend, until);
        long ttl = until.toEpochMilli() - store.clock().millis();
        if (ttl <= 0) {
            return;
        }
        byte[] value = Long.toString(until.toEpochMilli()).getBytes(StandardCharsets.US_ASCII);
        store.run("cooldown_set", c -> c.set(key(backend), value, SetArgs.Builder.px(ttl)).toCompletableFuture())
                .exceptionally(e -> {
                    store.fellBack("cool-downs");
                    return null;
                });
    }

    @Override
    public void watch(Set<String> backends) {
        watched = List.copyOf(backends);
    }

    /** Learns the cool-downs other sidecars set. */
    private void refresh() {
        List<String> names = watched;
        if (names.isEmpty()) {
            return;
        }
        String[] keys = names.stream().map(this::key).toArray(String[]::new);
        CompletableFuture<List<KeyValue<String, byte[]>>> values = store.run("cooldown_read",
                c -> c.mget(keys).toCompletableFuture());
        values.whenComplete((list, error) -> {
            if (error != null) {
                store.fellBack("cool-downs");
                return;
            }
            for (int i = 0; i < list.size() && i < names.size(); i++) {
                KeyValue<String, byte[]> kv = list.get(i);
                if (kv.hasValue()) {
                    try {
                        long end = Long.parseLong(new String(kv.getValue(), StandardCharsets.US_ASCII));
                        local.coolDown(names.get(i), Instant.ofEpochMilli(end));
                    } catch (NumberFormatException e) {
                        // not ours: ignore
                    }
                }
            }
        });
    }
}
