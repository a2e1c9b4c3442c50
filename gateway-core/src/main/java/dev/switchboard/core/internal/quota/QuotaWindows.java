package dev.switchboard.core.internal.quota;

import dev.switchboard.core.config.QuotaSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A quota's windows at one moment: the current UTC minute and day, their names, limits and ends. */
public final class QuotaWindows {
    static final long MINUTE = 60_000;
    static final long DAY = 86_400_000;

    /** One window: its key, its limit, when it ends (epoch ms). */
    public record Window(String key, String kind, long limit, long endMillis) {
        public Duration untilEnd(long now) {
            return Duration.ofMillis(Math.max(0, endMillis - now));
        }
    }

    private QuotaWindows() {
    }

    public static List<Window> of(QuotaSpec q, long now, java.util.function.UnaryOperator<String> key) {
        String scope = (q.scope() == QuotaSpec.Scope.TENANT ? "t:" : q.scope() == QuotaSpec.Scope.KEY ? "k:" : "b:")
                + q.name();
        List<Window> out = new ArrayList<>();
        if (q.perMinute() > 0) {
            long m = now / MINUTE;
            out.add(new Window(key.apply("quota:{" + scope + "}:m:" + m), "minute", q.perMinute(), (m + 1) * MINUTE));
        }
        if (q.perDay() > 0) {
            long d = now / DAY;
            out.add(new Window(key.apply("quota:{" + scope + "}:d:" + d), "day", q.perDay(), (d + 1) * DAY));
        }
        return out;
    }
}
