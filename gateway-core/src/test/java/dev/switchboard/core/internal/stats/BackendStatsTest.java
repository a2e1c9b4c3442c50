package dev.switchboard.core.internal.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BackendStatsTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T00:00:00Z"));
    private final BackendStats stats = new BackendStats("b", 3, clock);

    @Test
    void percentilesOverTheWindow() {
        for (int i = 1; i <= 100; i++) {
            stats.recordFirstToken(Duration.ofMillis(i));
        }
        assertThat(stats.firstTokenMillis(50)).hasValue(50.0);
        assertThat(stats.firstTokenMillis(95)).hasValue(95.0);
        clock.advance(BackendStats.WINDOW.plusSeconds(1));
        assertThat(stats.firstTokenMillis(50)).isEmpty();
    }

    @Test
    void aFullWindowIsResortedAfterASixteenthIsNewOr50Milliseconds() {
        for (int i = 0; i < 256; i++) {
            stats.recordFirstToken(Duration.ofMillis(10));
        }
        assertThat(stats.firstTokenMillis(99)).hasValue(10.0);
        for (int i = 0; i < 15; i++) {
            stats.recordFirstToken(Duration.ofMillis(900));
        }
        assertThat(stats.firstTokenMillis(99)).as("15 new of 256: the sorted copy is kept").hasValue(10.0);
        clock.advance(Duration.ofMillis(50));
        assertThat(stats.firstTokenMillis(99)).as("50 ms later it is made again").hasValue(900.0);
        for (int i = 0; i < 16; i++) {
            stats.recordFirstToken(Duration.ofMillis(20));
        }
        assertThat(stats.firstTokenMillis(50)).as("16 new of 256: made again at once").hasValue(10.0);
        assertThat(stats.firstTokenMillis(92)).hasValue(20.0);
    }

    @Test
    void newSamplesReplaceOldOnes() {
        for (int i = 0; i < 300; i++) {
            stats.recordTokensPerSecond(10);
        }
        for (int i = 0; i < 256; i++) {
            stats.recordTokensPerSecond(50);
        }
        assertThat(stats.tokensPerSecond(5)).hasValue(50.0);
    }

    @Test
    void errorRateAndCapacity() {
        stats.recordSuccess();
        stats.recordSuccess();
        stats.recordSuccess();
        stats.recordFailure();
        assertThat(stats.errorRate()).isEqualTo(0.25);
        assertThat(stats.tryAcquire()).isTrue();
        assertThat(stats.tryAcquire()).isTrue();
        assertThat(stats.tryAcquire()).isTrue();
        assertThat(stats.tryAcquire()).isFalse();
        assertThat(stats.atCapacity()).isTrue();
        stats.release();
        assertThat(stats.snapshot().inFlight()).isEqualTo(2);
    }
}
