package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
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
 * What the edge promises about when it sheds, over any history of a busy loop's probes (each some milliseconds late,
 * calls arriving between them), on the loop's frozen clock: a call is shed only while the current run of late probes
 * (since the last probe on time) has lasted five limits, and every call is shed once that run has lasted CoDel's
 * interval — a pause, its catching up and a draining backlog shed nothing, and a standing queue is always shed. And
 * exactly: a run of late probes is a backlog from five limits on unless each probe is less late than every one before
 * it in the run (draining), and from CoDel's interval on regardless, until a probe runs on time. Every probe's delay
 * is reported, as measured, to the sidecar's metric of its loops' delay.
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
        Arbitrary<List<Step>> random = Combinators.combine(late, Arbitraries.integers().between(1, 8)).as(Step::new)
                .list().ofMaxSize(120);
        // A stall whose backlog then drains, slowly or fast (every probe less late than the one before), and after it
        // anything: random draws alone seldom make a run long enough to reach CoDel's interval.
        Arbitrary<List<Step>> draining = Combinators.combine(Arbitraries.doubles().between(10, 60),
                Arbitraries.doubles().between(0.1, 3).list().ofMinSize(5).ofMaxSize(60), random).as((stall, drops, rest) -> {
                    List<Step> steps = new ArrayList<>();
                    double d = Math.round(stall * 10) / 10.0;
                    steps.add(new Step(d, 1));
                    for (double drop : drops) {
                        d = Math.round((d - drop) * 10) / 10.0;
                        if (d <= 0) {
                            break;
                        }
                        steps.add(new Step(d, 2));
                    }
                    steps.addAll(rest);
                    return steps;
                });
        return Arbitraries.oneOf(random, draining);
    }

    /** A loop to probe, with a clock the test moves. */
    private static final class Probed implements AutoCloseable {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final LoopDelay delay;
        /** What the metric was told: each probe's delay, in ns. */
        final List<Long> reported = new ArrayList<>();

        Probed() {
            channel.freezeTime();
            delay = new LoopDelay.PerLoop(reported::add).of(channel.eventLoop());
        }

        /** The loop gets to its next probe this late. */
        void probe(double lateMillis) {
            channel.advanceTimeBy(LoopDelay.PERIOD_NANOS + (long) (lateMillis * 1e6), TimeUnit.NANOSECONDS);
            channel.runScheduledPendingTasks();
        }

        /** A call arrives, as the edge sees it; whether the loop counts as late (the edge sheds it). */
        boolean call() {
            delay.requestArrived();
            return delay.lateBy(LIMIT);
        }

        @Override
        public void close() {
            channel.finishAndReleaseAll();
        }
    }

    @Property(tries = 1000)
    void aRunOfLateProbesIsABacklogAfterFiveLimitsUnlessDrainingAndAlwaysAfterCodelsInterval(
            @ForAll("histories") List<Step> history) {
        try (Probed loop = new Probed()) {
            loop.call();
            long now = 0;
            long runStart = -1;
            long leastLate = 0;
            boolean backlog = false;
            for (Step step : history) {
                long late = (long) (step.lateMillis() * 1e6);
                now += LoopDelay.PERIOD_NANOS + late;
                int reports = loop.reported.size();
                loop.probe(step.lateMillis());
                // The metric (switchboard_event_loop_delay_seconds) sees each probe's delay, the one the edge decides on.
                assertThat(loop.reported).hasSize(reports + 1);
                assertThat(loop.reported.get(reports)).isEqualTo(late);
                if (late <= LIMIT) {
                    runStart = -1;
                    backlog = false;
                } else {
                    boolean draining = runStart >= 0 && late < leastLate;
                    if (runStart < 0) {
                        runStart = now;
                        leastLate = late;
                    }
                    leastLate = Math.min(leastLate, late);
                    long run = now - runStart;
                    backlog |= run >= LoopDelay.INTERVALS * LIMIT && !draining || run >= LoopDelay.DRAIN_NANOS;
                }
                long run = runStart < 0 ? -1 : now - runStart;
                for (int i = 0; i < step.calls(); i++) {
                    boolean shed = loop.call();
                    // The promises in plain words, then the rule exactly.
                    if (run < LoopDelay.INTERVALS * LIMIT) {
                        assertThat(shed).as("shed %.1f ms into a run of late probes", run / 1e6).isFalse();
                    }
                    if (run >= Math.max(LoopDelay.DRAIN_NANOS, LoopDelay.INTERVALS * LIMIT)) {
                        assertThat(shed).as("admitted %.1f ms into a run of late probes", run / 1e6).isTrue();
                    }
                    assertThat(shed).as("at %.1f ms", now / 1e6).isEqualTo(backlog);
                }
            }
        }
    }
}
