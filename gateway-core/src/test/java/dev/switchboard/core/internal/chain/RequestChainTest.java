package dev.switchboard.core.internal.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.Operation;
import dev.switchboard.core.Usage;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.internal.compliance.ComplianceStep;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The chain's mechanics, and a step tested alone with a fake {@code next} — the way DESIGN.md ("Adding a step")
 * asks a new step to be tested.
 */
class RequestChainTest {
    private static final Reply.Answer OK = new Reply.Answer("{}".getBytes(), "application/json", "b", Usage.UNKNOWN,
            0, "");

    private static final String HELLO = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static Exchange call(String body) {
        return Exchange.call(GatewayRequest.chat(body), Operation.CHAT, Instant.EPOCH, System::nanoTime);
    }

    /** A step that notes its name and calls on. */
    private static Step noting(String name, List<String> seen) {
        return new Step() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
                seen.add(name);
                return next.proceed(x);
            }
        };
    }

    private static Step answering(List<String> seen) {
        return new Step() {
            @Override
            public String name() {
                return "answer";
            }

            @Override
            public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
                seen.add("answer");
                return CompletableFuture.completedFuture(OK);
            }
        };
    }

    @Test
    void stepsRunInTheOrderTheListGives() {
        List<String> seen = new ArrayList<>();
        RequestChain chain = new RequestChain(List.of(noting("a", seen), noting("b", seen), answering(seen)));
        assertThat(chain.run(call(HELLO)).join()).isSameAs(OK);
        assertThat(seen).containsExactly("a", "b", "answer");
        assertThat(chain.names()).containsExactly("a", "b", "answer");
    }

    @Test
    void aStepThatThrowsFailsTheFutureInsteadOfTheCaller() {
        Step throwing = new Step() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
                throw new IllegalStateException("bug");
            }
        };
        CompletableFuture<Reply> reply = new RequestChain(List.of(throwing)).run(call(HELLO));
        assertThatThrownBy(reply::join).isInstanceOf(CompletionException.class).cause()
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.INTERNAL);
                    assertThat(e.getMessage()).contains("broken");
                });
    }

    @Test
    void theLastStepMayNotCallOn() {
        List<String> seen = new ArrayList<>();
        CompletableFuture<Reply> reply = new RequestChain(List.of(noting("only", seen))).run(call(HELLO));
        assertThatThrownBy(reply::join).hasRootCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("only");
    }

    @Test
    void nothingFurtherStartsOnceTheClientHasLeft() {
        List<String> seen = new ArrayList<>();
        AtomicInteger hooks = new AtomicInteger();
        Exchange x = call(HELLO);
        Step leaving = new Step() {
            @Override
            public String name() {
                return "leaving";
            }

            @Override
            public CompletableFuture<Reply> proceed(Exchange ex, Chain next) {
                ex.onCancel(hooks::incrementAndGet);
                ex.cancel();
                ex.cancel(); // idempotent
                return next.proceed(ex);
            }
        };
        CompletableFuture<Reply> reply = new RequestChain(List.of(leaving, answering(seen))).run(x);
        assertThatThrownBy(reply::join).isInstanceOf(CancellationException.class);
        assertThat(seen).isEmpty();
        assertThat(hooks).hasValue(1);
        x.onCancel(hooks::incrementAndGet); // a hook added after the cancel runs at once
        assertThat(hooks).hasValue(2);
    }

    @Test
    void cancelHooksRunNewestFirst() {
        Exchange x = call(HELLO);
        List<String> order = new ArrayList<>();
        x.onCancel(() -> order.add("outer"));
        x.onCancel(() -> order.add("inner"));
        x.cancel();
        assertThat(order).containsExactly("inner", "outer");
    }

    // --- a step alone, with a fake next: the pattern for testing any step ---

    private static CompliancePolicy policy(String action) {
        return new CompliancePolicy(ConfigLoader.withEnv(n -> null).parse("""
                backends:
                  - { name: b, residency: internal, base-url: "http://127.0.0.1:1/v1", model: m }
                routes:
                  - name: chat
                    rules: [ { use: [b] } ]
                compliance: { action: %s }
                """.formatted(action), "test").compliance());
    }

    @Test
    void complianceStepJudgesAndStopsABlockedRequestBeforeTheRestOfTheChain() {
        AtomicInteger calledOn = new AtomicInteger();
        Chain next = x -> {
            calledOn.incrementAndGet();
            return CompletableFuture.completedFuture(OK);
        };
        String card = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"card 6222021234567894\"}]}";

        Exchange blocked = call(card);
        CompletableFuture<Reply> reply = new ComplianceStep(policy("block")).proceed(blocked, next);
        assertThatThrownBy(reply::join).cause().isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.SENSITIVE_DATA_BLOCKED));
        assertThat(calledOn).hasValue(0);
        assertThat(blocked.verdict().outcome()).isEqualTo(Verdict.Outcome.BLOCKED);

        Exchange kept = call(card);
        assertThat(new ComplianceStep(policy("route-internal")).proceed(kept, next).join()).isSameAs(OK);
        assertThat(calledOn).hasValue(1);
        assertThat(kept.verdict().outcome()).isEqualTo(Verdict.Outcome.INTERNAL_ONLY);

        Exchange clean = call("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        new ComplianceStep(policy("block")).proceed(clean, next).join();
        assertThat(clean.verdict().outcome()).isEqualTo(Verdict.Outcome.CLEAN);
    }

    // --- the audit record against a client that leaves: one record, matching what the ledger settled ---

    private static dev.switchboard.core.internal.audit.AuditStep audit(List<dev.switchboard.core.CallRecord> out) {
        return new dev.switchboard.core.internal.audit.AuditStep(out::add, new dev.switchboard.core.internal
                .GatewayMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()), policy("mask"));
    }

    @Test
    void aCallTheClientLeftIsRecordedOnceWhenTheChainHasSettled() {
        List<dev.switchboard.core.CallRecord> records = new ArrayList<>();
        CompletableFuture<Reply> upstream = new CompletableFuture<>();
        Exchange x = call(HELLO);
        CompletableFuture<Reply> reply = audit(records).proceed(x, ex -> upstream);
        x.cancel();
        assertThat(records).isEmpty(); // what the steps below do about the cancel is not known yet
        upstream.completeExceptionally(new CancellationException("the client left"));
        assertThat(reply).isCompletedExceptionally();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(499);
            assertThat(r.error()).isEqualTo("client_closed");
        });
    }

    @Test
    void anAnswerThatBeatTheCancelIsRecordedAsAnswered() {
        List<dev.switchboard.core.CallRecord> records = new ArrayList<>();
        CompletableFuture<Reply> upstream = new CompletableFuture<>();
        Exchange x = call(HELLO);
        audit(records).proceed(x, ex -> upstream);
        x.cancel(); // lost the race: the backend step did not give the call up
        upstream.complete(OK);
        assertThat(records).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(200));
    }

    @Test
    void aStartedStreamTheClientLeftIsRecordedWhenTheBackendGaveItUp() {
        List<dev.switchboard.core.CallRecord> records = new ArrayList<>();
        List<String> told = new ArrayList<>();
        Exchange x = Exchange.stream(GatewayRequest.chat(HELLO.replace("{", "{\"stream\":true,")), Instant.EPOCH,
                System::nanoTime, new dev.switchboard.core.StreamListener() {
                    @Override
                    public void onStart(dev.switchboard.core.routing.RoutingDecision d, String b) {
                        told.add("start");
                    }

                    @Override
                    public void onEvent(String data) {
                    }

                    @Override
                    public void onComplete(Usage usage, String finishReason) {
                        told.add("complete");
                    }

                    @Override
                    public void onError(GatewayException error, boolean started) {
                        told.add("error");
                    }
                }, null);
        audit(records).proceed(x, ex -> {
            ex.onCancel(ex::abandonedByClient); // the backend step's hook: it won the ticket for the cancel
            return CompletableFuture.completedFuture(new Reply.Streaming("b"));
        });
        assertThat(records).isEmpty();
        x.cancel();
        assertThat(records).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(499));
        x.downstream().onComplete(Usage.UNKNOWN, "stop"); // a late end is not a second record
        assertThat(records).hasSize(1);
        assertThat(told).containsExactly("complete");
    }

    @Test
    void underMaskARequestRefusedBeforeAnyBackendIsAuditedAsMask() {
        List<dev.switchboard.core.CallRecord> records = new ArrayList<>();
        String card = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"card 6222021234567894\"}]}";
        Exchange x = call(card);
        audit(records).proceed(x, ex -> {
            new ComplianceStep(policy("mask")).proceed(ex, e -> CompletableFuture.failedFuture(
                    new GatewayException(ErrorKind.NO_MATCHING_RULE, "no rule")));
            return CompletableFuture.failedFuture(new GatewayException(ErrorKind.NO_MATCHING_RULE, "no rule"));
        });
        assertThat(records).singleElement().satisfies(r -> assertThat(r.compliance())
                .isEqualTo(dev.switchboard.core.compliance.ComplianceAction.MASK));
    }
}
