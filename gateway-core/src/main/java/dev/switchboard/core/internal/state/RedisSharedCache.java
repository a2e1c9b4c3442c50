package dev.switchboard.core.internal.state;

import dev.switchboard.core.Usage;
import dev.switchboard.core.config.CacheSpec;
import dev.switchboard.core.internal.cache.CachedAnswer;
import io.lettuce.core.SetArgs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * The cache's second level in Redis ({@code cache:<key>}), under the first level's keys: a request holding
 * customer data is keyed to its tenant there too. An entry keeps its time of creation, so the time to live counts
 * from when the answer was produced, whichever sidecar reads it. Larger answers than {@code max-entry-size} are not
 * written. Never fails a request: an unreachable Redis is a miss.
 */
final class RedisSharedCache implements SharedCache {
    private static final byte FORMAT = 1;
    private final RedisStateStore store;
    private final CacheSpec spec;

    RedisSharedCache(RedisStateStore store, CacheSpec spec) {
        this.store = store;
        this.spec = spec;
    }

    @Override
    public CompletableFuture<CachedAnswer> get(String key) {
        return store.<byte[]>run("cache_get", c -> c.get(store.key("cache:" + key)).toCompletableFuture())
                .handle((bytes, error) -> {
                    if (error != null) {
                        store.fellBack("cache");
                        return null;
                    }
                    CachedAnswer a = bytes == null ? null : decode(bytes);
                    return a == null || remainingMillis(a) <= 0 ? null : a;
                });
    }

    private long remainingMillis(CachedAnswer a) {
        return a.createdAtMillis() + spec.ttl().toMillis() - store.clock().millis();
    }

    @Override
    public void put(String key, CachedAnswer answer) {
        long ttl = remainingMillis(answer);
        if (answer.completion().length > spec.maxEntryBytes() || ttl <= 0) {
            return;
        }
        store.run("cache_put", c -> c.set(store.key("cache:" + key), encode(answer), SetArgs.Builder.px(ttl))
                .toCompletableFuture()).exceptionally(e -> {
                    store.fellBack("cache");
                    return null;
                });
    }

    static byte[] encode(CachedAnswer a) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(a.completion().length + 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeLong(a.createdAtMillis());
            out.writeLong(a.usage().promptTokens());
            out.writeLong(a.usage().completionTokens());
            out.writeUTF(a.backend() == null ? "" : a.backend());
            out.writeInt(a.completion().length);
            out.write(a.completion());
        } catch (IOException e) {
            throw new IllegalStateException(e); // cannot happen in memory
        }
        return bytes.toByteArray();
    }

    /** The answer, or null for bytes this version does not read (written by another version: a miss). */
    static CachedAnswer decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readByte() != FORMAT) {
                return null;
            }
            long created = in.readLong();
            Usage usage = new Usage(in.readLong(), in.readLong());
            String backend = in.readUTF();
            int n = in.readInt();
            if (n < 0 || n > bytes.length) {
                return null;
            }
            byte[] completion = in.readNBytes(n);
            return completion.length == n ? new CachedAnswer(completion, backend, usage, created) : null;
        } catch (IOException e) {
            return null;
        }
    }
}
