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
 * Cool-downs shared on Redis: one key per backend holding the end (epoch milliseconds) and expiring with it, and a
 * message to every sidecar when one starts. Reads are this process's view: a cool-down set here is in force here at
 * once; one set elsewhere arrives with its message (within a round trip), or — for a sidecar that missed it — on the
 * store's next tick, which reads the keys. When Redis is away each sidecar keeps its own (fall back to local, as the
 * cache does).
 */
final class RedisCoolDowns implements CoolDowns {
    private final RedisStateStore store;
    private final LocalCoolDowns local;
    private volatile List<String> watched = List.of();

    RedisCoolDowns(RedisStateStore store) {
        this.store = store;
        this.local = new LocalCoolDowns(store.clock());
        store.onTick("cool-downs", this::refresh);
        store.subscribe(CHANNEL, this::heard);
    }

    private static final String CHANNEL = "cooldowns";

    /** {@code backend<TAB>end-in-epoch-milliseconds}, from any sidecar. */
    private void heard(String message) {
        int tab = message.lastIndexOf('\t');
        if (tab <= 0) {
            return;
        }
        try {
            local.coolDown(message.substring(0, tab), Instant.ofEpochMilli(Long.parseLong(message.substring(tab + 1))));
        } catch (NumberFormatException e) {
            // not ours: ignore
        }
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
                .whenComplete((ok, e) -> {
                    if (e != null) {
                        store.fellBack("cool-downs");
                    } else {
                        store.publish(CHANNEL, backend + "\t" + until.toEpochMilli()); // the others, now
                    }
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
