package dev.switchboard.core.backend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.LimitsSpec;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every stream guard on a ticker the test moves: no sleeping, no real time. */
class StreamWatchdogTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    /** Its periodic sweep sees the same manual time, so it cannot break a guard early. */
    private final ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);
    private final StreamWatchdog watchdog = new StreamWatchdog(timers, now::get);
    private final AtomicInteger cancels = new AtomicInteger();

    private static final LimitsSpec LIMITS = new LimitsSpec(8, Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(1), Duration.ofSeconds(30), 5, true);

    @AfterEach
    void stop() {
        timers.shutdownNow();
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
        watchdog.sweep();
    }

    private StreamWatchdog.Guard watch(LimitsSpec limits) {
        return watchdog.watch("b", limits, cancels::incrementAndGet);
    }

    private static UpstreamFailure.Kind kind(StreamWatchdog.Guard g) {
        return g.failure(() -> null).kind();
    }

    @Test
    void noFirstTokenInTimeBreaksTheStream() {
        StreamWatchdog.Guard g = watch(LIMITS);
        advance(Duration.ofMillis(1999));
        assertThat(g.isBroken()).isFalse();
        advance(Duration.ofMillis(2));
        assertThat(kind(g)).isEqualTo(UpstreamFailure.Kind.FIRST_TOKEN_TIMEOUT);
        assertThat(cancels).hasValue(1);
    }

    @Test
    void silenceMidStreamBreaksItUnlessTheClientHoldsItBack() {
        StreamWatchdog.Guard g = watch(LIMITS);
        g.onEvent();
        g.pause(); // the client cannot take more: the silence is the client's
        advance(Duration.ofSeconds(5));
        assertThat(g.isBroken()).isFalse();
        g.resume(); // the idle clock starts again from here
        advance(Duration.ofMillis(900));
        assertThat(g.isBroken()).isFalse();
        advance(Duration.ofMillis(200));
        assertThat(kind(g)).isEqualTo(UpstreamFailure.Kind.IDLE_TIMEOUT);
    }

    @Test
    void timeTheClientHeldTheStreamBackIsNotCountedAgainstTheBackendsSpeed() {
        StreamWatchdog.Guard g = watch(LIMITS);
        for (int i = 0; i < 10; i++) { // 10 tokens/s for a second
            g.onEvent();
            now.addAndGet(Duration.ofMillis(100).toNanos());
        }
        g.pause();
        advance(Duration.ofSeconds(20)); // the client reads nothing for 20 s
        g.resume();
        for (int i = 0; i < 20; i++) { // and the backend goes on at 10 tokens/s
            g.onEvent();
            advance(Duration.ofMillis(100));
        }
        assertThat(g.isBroken()).as("a speed of 10/s over the time the backend had").isFalse();
    }

    @Test
    void aBackendSlowerThanItsMinimumAfterTheGraceIsBroken() {
        StreamWatchdog.Guard g = watch(LIMITS);
        for (int i = 0; i < 12; i++) { // 4 tokens/s for 3 s, never silent for a whole second
            g.onEvent();
            now.addAndGet(Duration.ofMillis(250).toNanos());
        }
        watchdog.sweep();
        assertThat(kind(g)).isEqualTo(UpstreamFailure.Kind.TOO_SLOW);
        assertThat(g.failure(() -> null).getMessage()).contains("below its minimum of 5.0");
    }

    @Test
    void totalTimeCountsEvenWhileHeldBack() {
        StreamWatchdog.Guard g = watch(LIMITS);
        g.onEvent();
        g.pause();
        advance(Duration.ofSeconds(31));
        assertThat(kind(g)).isEqualTo(UpstreamFailure.Kind.TOTAL_TIMEOUT);
    }

    @Test
    void aFinishedOrAbandonedStreamIsNoLongerWatched() {
        StreamWatchdog.Guard done = watch(LIMITS);
        StreamWatchdog.Guard left = watch(LIMITS);
        assertThat(watchdog.watching()).isEqualTo(2);
        done.done();
        left.abandon();
        assertThat(watchdog.watching()).isZero();
        assertThat(kind(left)).isEqualTo(UpstreamFailure.Kind.CANCELLED);
        advance(Duration.ofMinutes(5));
        assertThat(done.isBroken()).isFalse();
    }
}
