package dev.switchboard.core.internal.overload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.OverloadSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The limit on a ticker the test moves: it holds, and the adaptive one follows latency. */
class ConcurrencyLimitTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void aFixedLimitAdmitsThatManyAndShedsTheRestUntilOneEnds() {
        ConcurrencyLimit limit = ConcurrencyLimit.of("t", new OverloadSpec(OverloadSpec.Mode.FIXED, 3, 1, 10),
                now::get);
        List<ConcurrencyLimit.Permit> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(limit.acquire().orElseThrow());
        }
        assertThat(limit.acquire()).isEmpty();
        held.get(0).succeeded();
        held.get(0).succeeded(); // a second end changes nothing
        assertThat(limit.inFlight()).isEqualTo(2);
        assertThat(limit.acquire()).isPresent();
        assertThat(limit.acquire()).isEmpty();
    }

    @Test
    void offIsNoLimit() {
        assertThat(ConcurrencyLimit.of("t", OverloadSpec.OFF, now::get)).isNull();
    }

    /** Runs {@code rounds} of up to {@code concurrency} requests (as many as admitted) that each take {@code millis}. */
    private void traffic(ConcurrencyLimit limit, int rounds, int concurrency, long millis) {
        for (int r = 0; r < rounds; r++) {
            List<ConcurrencyLimit.Permit> batch = new ArrayList<>();
            for (int i = 0; i < concurrency; i++) {
                limit.acquire().ifPresent(batch::add);
            }
            now.addAndGet(millis * 1_000_000);
            batch.forEach(ConcurrencyLimit.Permit::succeeded);
        }
    }

    @Test
    void theAdaptiveLimitShrinksWhenLatencyRisesAndStaysWithinItsBounds() {
        ConcurrencyLimit limit = ConcurrencyLimit.of("t", new OverloadSpec(OverloadSpec.Mode.ADAPTIVE, 50, 5, 200),
                now::get);
        // More offered than admitted, so the limit is what binds (an app-limited load teaches it nothing).
        traffic(limit, 400, 300, 10); // steady: 10 ms
        int steady = limit.limit();
        traffic(limit, 3, 300, 80); // queueing: eight times as slow
        int loaded = limit.limit(); // Gradient2 reacts at once (and relearns a new normal over its long window)
        assertThat(loaded).isLessThan(steady);
        assertThat(loaded).isGreaterThanOrEqualTo(5);
        assertThat(steady).isLessThanOrEqualTo(200);
    }
}
