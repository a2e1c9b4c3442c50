package dev.switchboard.core.internal.quota;

import dev.switchboard.core.config.QuotaSpec;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Token quotas counted in this process: every window's tokens under one lock (a reservation is a few map reads). */
public final class LocalQuotas implements QuotaStore {
    private final List<QuotaSpec> quotas;
    private final Clock clock;
    private final Map<String, long[]> used = new HashMap<>(); // key -> {tokens, end}

    public LocalQuotas(List<QuotaSpec> quotas, Clock clock) {
        this.quotas = List.copyOf(quotas);
        this.clock = clock;
    }

    @Override
    public List<QuotaSpec> quotas() {
        return quotas;
    }

    @Override
    public CompletableFuture<Grant> reserve(QuotaSpec quota, long tokens) {
        return CompletableFuture.completedFuture(reserveNow(quota, tokens));
    }

    /** The same, synchronously (the Redis store falls back to it). */
    public synchronized Grant reserveNow(QuotaSpec quota, long tokens) {
        long now = clock.millis();
        used.values().removeIf(v -> v[1] <= now);
        List<QuotaWindows.Window> windows = QuotaWindows.of(quota, now, k -> k);
        for (QuotaWindows.Window w : windows) {
            long[] u = used.get(w.key());
            if ((u == null ? 0 : u[0]) + tokens > w.limit()) {
                return new Grant(quota, 0, List.of(), w.kind(), w.untilEnd(now), false);
            }
        }
        for (QuotaWindows.Window w : windows) {
            used.computeIfAbsent(w.key(), k -> new long[] {0, w.endMillis()})[0] += tokens;
        }
        return new Grant(quota, tokens, windows.stream().map(QuotaWindows.Window::key).toList(), null, null,
                false);
    }

    @Override
    public synchronized void settle(Grant grant, long actual) {
        if (!grant.granted() || grant.windows().isEmpty()) {
            return;
        }
        long delta = actual - grant.reserved();
        for (String key : grant.windows()) {
            long[] u = used.get(key);
            if (u != null) {
                u[0] = Math.max(0, u[0] + delta);
            }
        }
    }
}
