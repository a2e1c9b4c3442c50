package dev.switchboard.core.internal.state;

import dev.switchboard.core.config.QuotaSpec;
import dev.switchboard.core.config.StateSpec;
import dev.switchboard.core.internal.quota.LocalQuotas;
import dev.switchboard.core.internal.quota.QuotaStore;
import io.lettuce.core.ScriptOutputType;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Token quotas shared by every sidecar: a window per key ({@code quota:{t:tenant}:m:MINUTE}, {@code ...:d:DAY}),
 * reserved all-or-nothing by one script and settled by adding the difference. Quotas are rates, so while Redis is
 * away they follow the rate limits' policy ({@code state.when-unavailable.rate-limits}): each sidecar counts its own
 * traffic ({@code local}), or the request is refused ({@code reject}).
 */
final class RedisQuotas implements QuotaStore {
    private final RedisStateStore store;
    private final LocalQuotas local;

    RedisQuotas(RedisStateStore store, LocalQuotas local) {
        this.store = store;
        this.local = local;
    }

    @Override
    public List<QuotaSpec> quotas() {
        return local.quotas();
    }

    @Override
    public CompletableFuture<Grant> reserve(QuotaSpec quota, long tokens) {
        long now = store.clock().millis();
        List<dev.switchboard.core.internal.quota.QuotaWindows.Window> windows = dev.switchboard.core.internal.quota.QuotaWindows.of(quota, now, store::key);
        if (windows.isEmpty()) {
            return CompletableFuture.completedFuture(new Grant(quota, 0, List.of(), null, null, true));
        }
        String[] keys = windows.stream().map(dev.switchboard.core.internal.quota.QuotaWindows.Window::key).toArray(String[]::new);
        Object[] args = new Object[1 + 2 * windows.size()];
        args[0] = tokens;
        for (int i = 0; i < windows.size(); i++) {
            args[1 + 2 * i] = windows.get(i).limit();
            args[2 + 2 * i] = windows.get(i).endMillis() - now + 60_000; // a minute past its end
        }
        CompletableFuture<Long> full = store.eval("quota_reserve", RedisStateStore.QUOTA_SCRIPT,
                ScriptOutputType.INTEGER, keys, args);
        return full.handle((index, error) -> {
            if (error == null) {
                if (index == 0) {
                    return new Grant(quota, tokens, List.of(keys), null, null, true);
                }
                dev.switchboard.core.internal.quota.QuotaWindows.Window w = windows.get((int) (index - 1));
                return new Grant(quota, 0, List.of(), w.kind(), w.untilEnd(now), true);
            }
            store.fellBack("quotas");
            if (store.policy().rateLimits() == StateSpec.RateLimitFallback.REJECT) {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                throw new StateUnavailableException("the token quota of " + quota.scope().name()
                        .toLowerCase(java.util.Locale.ROOT) + " '" + quota.name() + "' is kept in the shared state "
                        + "store, which cannot be reached", cause);
            }
            return local.reserveNow(quota, tokens);
        });
    }

    @Override
    public void settle(Grant grant, long actual) {
        if (!grant.shared()) {
            local.settle(grant, actual);
            return;
        }
        long delta = actual - grant.reserved();
        if (delta == 0 || grant.windows().isEmpty()) {
            return;
        }
        store.<Long>eval("quota_settle", RedisStateStore.QUOTA_SETTLE_SCRIPT, ScriptOutputType.INTEGER,
                grant.windows().toArray(String[]::new), delta).exceptionally(e -> {
                    store.fellBack("quotas"); // the window overstates or understates by delta until it ends
                    return null;
                });
    }
}
