package dev.switchboard.core.internal.admission;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Attempt;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.Operation;
import dev.switchboard.core.backend.UpstreamHttp;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.Detectors;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.backend.BackendRegistry;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.internal.state.StateStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Admission asks the compliance policy again for every attempt, whatever routing decided: fail closed. Routing asks
 * the same policy, so no config reaches this through a gateway; here an attempt at an external backend is made by
 * hand, as a bug in a step before admission would make it.
 */
class AdmissionStepTest {
    @Test
    void anAttemptAtAnExternalBackendUnderAnInternalOnlyVerdictIsNeverAdmitted() {
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: hosted-100b, base-url: "http://127.0.0.1:9/v1", model: big, residency: external }
                routes: [ { name: chat, rules: [ { use: [hosted-100b] } ] } ]
                """, "admission.yaml");
        Clock clock = Clock.systemUTC();
        StateStore state = StateStore.open(spec.state(), clock, new SimpleMeterRegistry()); // memory
        UpstreamHttp http = new UpstreamHttp(spec.backends(), clock, System::nanoTime);
        try (state) {
            BackendRegistry backends = BackendRegistry.build(spec, null, dev.switchboard.core.backend.BackendFactory.OKHTTP,
                    http, state, clock, System::nanoTime, UnaryOperator.identity(), (backend, t) -> { });
            CompliancePolicy policy = new CompliancePolicy(spec.compliance());
            AdmissionStep admission = new AdmissionStep(state.budgets(List.of()), policy,
                    new GatewayMetrics(new SimpleMeterRegistry()), System::nanoTime, state.coolDowns());
            Exchange x = Exchange.call(GatewayRequest.chat("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), Operation.CHAT,
                    Instant.now(), System::nanoTime);
            x.judged(new Verdict(Assessment.of(Detectors.BANK_CARD), Verdict.Outcome.INTERNAL_ONLY));
            Exchange attempt = x.forAttempt(backends.get("hosted-100b"), "first");
            AtomicBoolean called = new AtomicBoolean();

            CompletableFuture<Reply> reply = admission.proceed(attempt, ex -> {
                called.set(true);
                return CompletableFuture.completedFuture(null);
            });

            assertThat(reply).isCompletedExceptionally();
            assertThat(called).isFalse(); // the backend step was never reached
            assertThat(x.attempts()).extracting(Attempt::outcome)
                    .containsExactly(Attempt.Outcome.SKIPPED_STAYS_INTERNAL);
        } finally {
            http.close();
        }
    }
}
