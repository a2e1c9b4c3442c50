package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * What the edge promises about shedding, over any history of a busy loop's probes (each some milliseconds late, calls
 * arriving between them), on the loop's frozen clock: nothing is shed until the probes have run late for five limits;
 * the fraction shed stays within [0, 1] and n calls at a fraction f shed n·f give or take one; and a loop that runs on
 * time for 1/{@link LoopDelay#GAIN} probes sheds nothing more, whatever it shed before.
 */
class LoopDelayProperties {
    private static final long LIMIT = TimeUnit.MILLISECONDS.toNanos(2);

    /** One probe's lateness in ms, then the calls that arrive before the next probe. */
    record Step(double lateMillis, int calls) {}

    @Provide
    Arbitrary<List<Step>> histories() {
        // Mostly near the limit (where the decisions are), some stalls of tens of milliseconds.
        Arbitrary<Double> late = Arbitraries.frequencyOf(
                        Tuple.of(6, Arbitraries.doubles().between(0, 6)),
                        Tuple.of(1, Arbitraries.doubles().between(6, 60)))
                .map(d -> Math.round(d * 10) / 10.0);
        return Combinators.combine(late, Arbitraries.integers().between(1, 8)).as(Step::new).list().ofMaxSize(120);
    }

    /** A loop to probe, with a clock the test moves. */
    private static final class Probed implements AutoCloseable {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final LoopDelay delay;
        int sheds;

        Probed() {
            channel.freezeTime();
            delay = new LoopDelay.PerLoop().of(channel.eventLoop());
        }

        /** The loop gets to its next probe this late. */
        void probe(double lateMillis) {
            channel.advanceTimeBy(LoopDelay.PERIOD_NANOS + (long) (lateMillis * 1e6), TimeUnit.NANOSECONDS);
            channel.runScheduledPendingTasks();
        }

        /** A call arrives, as the edge sees it; whether it was shed. */
        boolean call() {
            delay.requestArrived();
            boolean shed = delay.lateBy(LIMIT) && delay.shedNext();
            if (shed) {
                sheds++;
            }
            return shed;
        }

        @Override
        public void close() {
            channel.finishAndReleaseAll();
        }
    }

    @Property(tries = 500)
    void nothingIsShedUntilTheProbesRanLateForFiveLimits(@ForAll("histories") List<Step> history) {
        try (Probed loop = new Probed()) {
            loop.call();
            double nowMillis = 0;
            double runStartMillis = -1; // when the current run of late probes began
            boolean couldBeLate = false;
            for (Step step : history) {
                nowMillis += LoopDelay.PERIOD_NANOS / 1e6 + step.lateMillis();
                loop.probe(step.lateMillis());
                if (step.lateMillis() * 1e6 > LIMIT) {
                    if (runStartMillis < 0) {
                        runStartMillis = nowMillis;
                    }
                    couldBeLate |= (nowMillis - runStartMillis) * 1e6 >= LoopDelay.INTERVALS * LIMIT - 1_000; // a microsecond's slack for the sum
                } else {
                    runStartMillis = -1;
                }
                for (int i = 0; i < step.calls(); i++) {
                    boolean shed = loop.call();
                    assertThat(shed && !couldBeLate).as("shed before any run of late probes lasted five limits")
                            .isFalse();
                }
            }
        }
    }

    @Property(tries = 500)
    void theFractionIsAFractionAndCallsAreShedAtIt(@ForAll("histories") List<Step> history) {
        try (Probed loop = new Probed()) {
            loop.call();
            for (Step step : history) {
                loop.probe(step.lateMillis());
                double fraction = loop.delay.shedFraction();
                assertThat(fraction).isBetween(0.0, 1.0);
                int before = loop.sheds;
                for (int i = 0; i < step.calls(); i++) {
                    loop.call();
                }
                // Between two probes the fraction holds: n calls shed n * f, give or take the one owed.
                assertThat((double) (loop.sheds - before)).as("%d calls at %.3f", step.calls(), fraction)
                        .isBetween(step.calls() * fraction - 1, step.calls() * fraction + 1);
            }
        }
    }

    @Property(tries = 500)
    void aLoopOnTimeForLongEnoughShedsNothingWhateverItShedBefore(@ForAll("histories") List<Step> history,
            @ForAll("onTime") List<Double> onTime) {
        try (Probed loop = new Probed()) {
            loop.call();
            for (Step step : history) {
                loop.probe(step.lateMillis());
                for (int i = 0; i < step.calls(); i++) {
                    loop.call();
                }
            }
            for (double late : onTime) {
                loop.probe(late);
                loop.call();
            }
            int before = loop.sheds;
            for (int i = 0; i < 50; i++) {
                loop.call();
            }
            assertThat(loop.sheds).isEqualTo(before);
            assertThat(loop.delay.shedFraction()).isZero();
        }
    }

    /** Enough probes at most the limit late for any fraction to fall to nothing. */
    @Provide
    Arbitrary<List<Double>> onTime() {
        int enough = (int) Math.ceil(1 / LoopDelay.GAIN) + 1;
        return Arbitraries.doubles().between(0, LIMIT / 1e6).list().ofSize(enough);
    }
}
