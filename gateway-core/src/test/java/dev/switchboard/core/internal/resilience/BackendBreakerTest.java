package dev.switchboard.core.internal.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.BreakerSpec;
import dev.switchboard.core.resilience.BreakerState;
import dev.switchboard.core.resilience.BreakerTransition;
import dev.switchboard.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BackendBreakerTest {
    @Test
    void everyChangeIsNotedInOrderWhenCallsRace() throws Exception {
        // Probes, successes and failures from several threads while the clock moves past the open period again and
        // again: the changes heard form one chain (each from the state the one before went to) that ends in the
        // breaker's state, and where the breaker is open, it says so without being asked for a permit.
        ManualClock clock = new ManualClock(Instant.parse("2026-12-03T00:00:00Z"));
        BreakerSpec spec = new BreakerSpec(50, 100, Duration.ofSeconds(60), 4, 2, Duration.ofMillis(5), 1);
        List<BreakerTransition> heard = new ArrayList<>();
        BackendBreaker breaker = new BackendBreaker("b", spec, clock, t -> {
            synchronized (heard) {
                heard.add(t);
            }
        });
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(3);
        for (int k = 0; k < 3; k++) {
            new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stop.get()) {
                    if (breaker.tryAcquire()) {
                        if (random.nextInt(3) == 0) {
                            breaker.onSuccess(Duration.ofMillis(1));
                        } else {
                            breaker.onFailure(Duration.ofMillis(1), "server_error");
                        }
                    } else if (random.nextInt(4) == 0) {
                        breaker.onFailure(Duration.ofMillis(1), "timeout"); // a call started before it opened
                    }
                }
                done.countDown();
            }).start();
        }
        long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        while (System.nanoTime() < until) {
            clock.advance(Duration.ofMillis(1));
            Thread.onSpinWait();
        }
        stop.set(true);
        done.await();
        synchronized (heard) {
            assertThat(heard.size()).isGreaterThan(10);
            assertThat(heard.get(0).from()).isEqualTo(BreakerState.CLOSED);
            for (int i = 1; i < heard.size(); i++) {
                assertThat(heard.get(i).from()).as("change %d of %d", i, heard.size()).isEqualTo(heard.get(i - 1).to());
            }
            assertThat(heard.get(heard.size() - 1).to()).isEqualTo(breaker.state());
        }
        if (breaker.state() == BreakerState.OPEN) {
            assertThat(breaker.rejectsNow()).isEqualTo(!breaker.tryAcquire());
        }
    }
}
