package dev.switchboard.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.config.RateLimitSpec;
import dev.switchboard.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T09:00:00Z"));

    @Test
    void aTenantOverItsRateGets429WithWhenToRetry() {
        RateLimiter limiter = new RateLimiter(List.of(new RateLimitSpec("retail", 2, 2),
                new RateLimitSpec("*", 100, 100)), clock);
        limiter.acquire("retail");
        limiter.acquire("retail");
        assertThatThrownBy(() -> limiter.acquire("retail")).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.status()).isEqualTo(429);
            assertThat(e.kind()).isEqualTo(ErrorKind.RATE_LIMITED);
            assertThat(e.retryAfter()).hasValue(Duration.ofMillis(500));
        });
        for (int i = 0; i < 50; i++) {
            limiter.acquire("others-share-the-default-but-each-has-a-bucket");
        }
        clock.advance(Duration.ofMillis(500));
        limiter.acquire("retail");
    }

    @Test
    void noLimitMeansNoLimit() {
        RateLimiter limiter = new RateLimiter(List.of(), clock);
        for (int i = 0; i < 1000; i++) {
            limiter.acquire("anyone");
        }
    }
}
