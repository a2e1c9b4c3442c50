package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.resilience.BreakerState;
import dev.switchboard.testkit.ManualClock;
import dev.switchboard.testkit.MockModelServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fault injection with simulated models: breakers, retries, stream guards, dead backends. */
class ResilienceTest {
    private TwoModels models;
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private Gateway gateway;
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T09:00:00Z"));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        models = new TwoModels(5);
        hosted = models.hosted;
        inhouse = models.inhouse;
    }

    @AfterEach
    void stop() {
        models.close();
    }

    private void gateway(String inhouseExtra, String resilience) throws Exception {
        gateway = models.gateway(dir, """
                backends:
                  - { name: hosted-100b, base-url: "%1$s", model: big, residency: external }
                  - name: inhouse-10b
                    base-url: "%2$s"
                    model: small
                    residency: internal
                """ + inhouseExtra + """

                routes:
                  - name: chat
                    rules: [ { use: [inhouse-10b, hosted-100b] } ]
                resilience:
                """ + resilience + "\n", GatewayOptions.defaults().withClock(clock).withMeters(meters));
    }

    private static GatewayRequest chat(boolean stream) {
        return GatewayRequest.chat("{\"model\":\"chat\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
    }

    @Test
    void aFailingBackendsBreakerOpensAndAHalfOpenProbeBringsItBack() throws Exception {
        gateway("", """
                  circuit-breaker: { failure-rate: 50%, window: 4, minimum-calls: 4, open-for: 30s, half-open-calls: 2 }
                  retry: { attempts: 1 }
                """);
        inhouse.options(inhouse.options().toBuilder().forcedStatus(500).build());
        for (int i = 0; i < 4; i++) {
            assertThat(gateway.chat(chat(false)).backend()).isEqualTo("hosted-100b");
        }
        assertThat(gateway.backend("inhouse-10b").orElseThrow().breaker().state()).isEqualTo(BreakerState.OPEN);
        assertThat(inhouse.requests()).hasSize(4);

        // Open: the in-house model is not even tried; the decision says why.
        GatewayResponse whileOpen = gateway.chat(chat(false));
        assertThat(whileOpen.backend()).isEqualTo("hosted-100b");
        assertThat(whileOpen.decision().summary()).contains("inhouse-10b excluded: circuit open");
        assertThat(whileOpen.decision().traces()).filteredOn(t -> t.backend().equals("inhouse-10b")).singleElement()
                .satisfies(t -> assertThat(t.exclusion()).isEqualTo(dev.switchboard.core.routing.Exclusion.CIRCUIT_OPEN));
        assertThat(inhouse.requests()).hasSize(4);

        // It recovers; after the open period, probes go through and close the breaker again.
        inhouse.options(inhouse.options().toBuilder().forcedStatus(0).build());
        clock.advance(Duration.ofSeconds(31));
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("inhouse-10b");
        assertThat(gateway.backend("inhouse-10b").orElseThrow().breaker().state()).isEqualTo(BreakerState.HALF_OPEN);
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("inhouse-10b");
        assertThat(gateway.backend("inhouse-10b").orElseThrow().breaker().state()).isEqualTo(BreakerState.CLOSED);
        assertThat(gateway.backend("inhouse-10b").orElseThrow().breaker().transitions()).extracting(t -> t.to())
                .containsExactly(BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED);
        assertThat(meters.find("switchboard.breaker.transitions").tag("to", "open").counter().count()).isEqualTo(1);
    }

    @Test
    void clientErrorsDoNotOpenTheBreaker() throws Exception {
        gateway("", """
                  circuit-breaker: { failure-rate: 50%, window: 4, minimum-calls: 4 }
                """);
        inhouse.options(inhouse.options().toBuilder().forcedStatus(400).build());
        for (int i = 0; i < 6; i++) {
            assertThatThrownBy(() -> gateway.chat(chat(false))).isInstanceOfSatisfying(GatewayException.class,
                    e -> assertThat(e.status()).isEqualTo(400));
        }
        assertThat(gateway.backend("inhouse-10b").orElseThrow().breaker().state()).isEqualTo(BreakerState.CLOSED);
    }

    @Test
    void aRetryAfterCoolsTheBackendDownForEveryRequestWhileTheRequestMovesOnAtOnce() throws Exception {
        gateway("", """
                  retry: { attempts: 2, backoff: 10ms..50ms, max-retry-after: 5s }
                """);
        inhouse.options(inhouse.options().toBuilder().forcedStatus(429).retryAfterSeconds(2).forcedStatusCount(1)
                .build());
        long start = System.nanoTime();
        GatewayResponse r = gateway.chat(chat(false));
        // No pause in this request: the fallback answers at once.
        assertThat(r.backend()).isEqualTo("hosted-100b");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(r.steps()).extracting(Attempt::outcome).containsExactly(Attempt.Outcome.FAILED,
                Attempt.Outcome.OK);
        assertThat(r.steps().get(0).failure()).hasValue(dev.switchboard.core.backend.UpstreamFailure.Kind.STATUS);
        assertThat(r.steps().get(0).status()).isEqualTo(429);
        assertThat(r.steps().get(1).failure()).isEmpty();
        assertThat(inhouse.requests()).hasSize(1);
        // Every next request leaves the backend out until the time it named, and the decision says why.
        GatewayResponse next = gateway.chat(chat(false));
        assertThat(next.backend()).isEqualTo("hosted-100b");
        assertThat(next.decision().traces()).anySatisfy(t -> {
            assertThat(t.backend()).isEqualTo("inhouse-10b");
            assertThat(t.exclusion()).isEqualTo(dev.switchboard.core.routing.Exclusion.COOLING_DOWN);
            assertThat(t.reason()).contains("cooling down until 2026-11-30T09:00:02Z");
        });
        assertThat(gateway.backend("inhouse-10b").orElseThrow().coolingDownUntil()).hasValue(Instant.parse("2026-11-30T09:00:02Z"));
        assertThat(inhouse.requests()).hasSize(1);
        clock.advance(Duration.ofMillis(2001));
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("inhouse-10b");
        assertThat(gateway.backend("inhouse-10b").orElseThrow().coolingDownUntil()).isEmpty();
        // Throttling is not sickness: the breaker learned nothing from the 429.
        assertThat(gateway.backend("inhouse-10b").orElseThrow().breaker().failureRate().orElse(0)).isLessThanOrEqualTo(0);
        assertThat(meters.find("switchboard.upstream.cool.downs").tag("backend", "inhouse-10b").counter().count())
                .isEqualTo(1);
        assertThat(total("switchboard.upstream.retries")).isZero(); // every backend's counter exists at 0
    }

    @Test
    void aRetrysBackoffRunsOnTheInjectedSchedulerNotOnTheWallClock() throws Exception {
        // A scheduler the test holds: nothing delayed runs until the test says so, however long the backoff.
        java.util.List<java.time.Duration> delays = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.List<Runnable> due = new java.util.concurrent.CopyOnWriteArrayList<>();
        Scheduler held = (delay, task) -> {
            delays.add(delay);
            due.add(task);
            return () -> due.remove(task);
        };
        gateway = models.gateway(dir, """
                backends:
                  - { name: hosted-100b, base-url: "%1$s", model: big, residency: external }
                  - { name: inhouse-10b, base-url: "%2$s", model: small, residency: internal }
                routes:
                  - name: chat
                    rules: [ { use: [inhouse-10b, hosted-100b] } ]
                resilience:
                  retry: { attempts: 2, backoff: 30s..60s, same-backend-on: [server-error] }
                """, GatewayOptions.defaults().withClock(clock).withMeters(meters).withScheduler(held));
        inhouse.options(inhouse.options().toBuilder().forcedStatus(500).forcedStatusCount(1).build());
        java.util.concurrent.CompletableFuture<GatewayResponse> call = gateway.chatAsync(chat(false));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (due.isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the first attempt's 500 comes back over a real socket
        }
        assertThat(due).hasSize(1);
        assertThat(delays.get(0)).isBetween(Duration.ZERO, Duration.ofSeconds(30)); // full jitter up to the minimum
        assertThat(call).isNotDone(); // waiting for the injected time, not for 30 seconds of wall clock
        due.remove(0).run();
        assertThat(call.get(5, java.util.concurrent.TimeUnit.SECONDS).backend()).isEqualTo("inhouse-10b");
        assertThat(inhouse.requests()).hasSize(2);
    }

    @Test
    void aRetryAfterGivenAsAnHttpDateCoolsTheBackendDownUntilThatTime() throws Exception {
        gateway("", """
                  retry: { attempts: 2, backoff: 10ms..50ms, max-retry-after: 5s }
                """);
        // The gateway's clock reads 09:00:00; the vendor names 09:00:03 in RFC 1123 form.
        inhouse.options(inhouse.options().toBuilder().forcedStatus(503).forcedStatusCount(1)
                .retryAfterDate("Mon, 30 Nov 2026 09:00:03 GMT").build());
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("hosted-100b");
        assertThat(gateway.backend("inhouse-10b").orElseThrow().coolingDownUntil())
                .hasValue(Instant.parse("2026-11-30T09:00:03Z"));
        clock.advance(Duration.ofMillis(3001));
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("inhouse-10b");
    }

    @Test
    void aRetryAfterLongerThanAllowedCoolsDownOnlyForTheCap() throws Exception {
        gateway("", """
                  retry: { attempts: 3, max-retry-after: 2s }
                """);
        inhouse.options(inhouse.options().toBuilder().forcedStatus(503).retryAfterSeconds(60).build());
        long start = System.nanoTime();
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("hosted-100b");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        assertThat(inhouse.requests()).hasSize(1);
        assertThat(gateway.backend("inhouse-10b").orElseThrow().coolingDownUntil()).hasValue(Instant.parse("2026-11-30T09:00:02Z"));
        clock.advance(Duration.ofSeconds(2));
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("hosted-100b");
        assertThat(inhouse.requests()).hasSize(2); // tried again after the cap, not after the backend's 60 s
    }

    @Test
    void aStalledFirstTokenMovesToTheNextCandidateInsteadOfWaitingOnTheSameBackendAgain() throws Exception {
        gateway("    limits: { first-token-timeout: 300ms }", "  retry: { attempts: 2, backoff: 5ms..10ms }");
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofSeconds(3)).build());
        long start = System.nanoTime();
        GatewayTest.Recorder rec = new GatewayTest.Recorder();
        gateway.chatStream(chat(true), rec);
        assertThat(rec.done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.backend.get()).isEqualTo("hosted-100b");
        assertThat(inhouse.requests()).hasSize(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
    }

    @Test
    void aHungNonStreamedCallWaitsForItsTotalTimeOnceThenMovesOn() throws Exception {
        gateway("    limits: { total-timeout: 1s }", "  retry: { attempts: 2, backoff: 5ms..10ms }");
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofSeconds(5)).build());
        long start = System.nanoTime();
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("hosted-100b");
        assertThat(inhouse.requests()).hasSize(1); // one wait on the stuck backend, not two
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1950));
    }

    @Test
    void aHungNonStreamedCallOnABackendStreamedUpstreamMovesOnAtItsFirstTokenTimeout() throws Exception {
        gateway("    upstream-streaming: auto\n    limits: { first-token-timeout: 300ms, total-timeout: 30s }",
                "  retry: { attempts: 2, backoff: 5ms..10ms }");
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofSeconds(5)).build());
        long start = System.nanoTime();
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("hosted-100b");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
        assertThat(inhouse.requests()).singleElement().satisfies(r -> assertThat(r.json().path("stream").asBoolean()).isTrue());
    }

    @Test
    void aNonStreamedCallStreamedUpstreamIsAssembledAndTeachesFirstTokenStatistics() throws Exception {
        gateway("    upstream-streaming: auto", "  retry: { attempts: 1 }");
        GatewayResponse r = gateway.chat(chat(false));
        assertThat(r.backend()).isEqualTo("inhouse-10b");
        com.fasterxml.jackson.databind.JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(r.body());
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.at("/choices/0/message/content").asText()).isNotEmpty();
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(r.usage().known()).isTrue();
        assertThat(body.at("/usage/completion_tokens").asLong()).isEqualTo(r.usage().completionTokens());
        assertThat(gateway.backends()).filteredOn(s -> s.backend().equals("inhouse-10b")).singleElement()
                .satisfies(s -> assertThat(s.firstTokenP50Millis()).isPresent());
    }

    @Test
    void overTheConcurrencyLimitRequestsAreShedAtOnceAndTheAdmittedOnesAnswered() throws Exception {
        gateway("", "  retry: { attempts: 1 }\n  overload: { limit: fixed, initial: 2 }");
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofMillis(600)).build());
        List<CompletableFuture<GatewayResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(gateway.chatAsync(chat(false)));
        }
        int answered = 0;
        int shed = 0;
        for (CompletableFuture<GatewayResponse> c : calls) {
            try {
                c.get(10, TimeUnit.SECONDS);
                answered++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOfSatisfying(GatewayException.class,
                        g -> assertThat(g.kind()).isEqualTo(ErrorKind.OVERLOADED));
                shed++;
            }
        }
        assertThat(answered).isEqualTo(2);
        assertThat(shed).isEqualTo(3);
        assertThat(meters.find("switchboard.requests.shed").tag("scope", "gateway").counter().count()).isEqualTo(3);
        assertThat(inhouse.requests()).hasSize(2); // the shed ones never reached a backend
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("inhouse-10b"); // room again
        assertThat(gateway.chain()).startsWith("audit", "load-shed", "rate-limit");
    }

    /** A gateway whose rule hedges the slow in-house model with the hosted one; {@code compliance} appended. */
    private void hedgingGateway(String compliance) throws Exception {
        gateway = models.gateway(dir, """
                backends:
                  - { name: hosted-100b, base-url: "%1$s", model: big, residency: external }
                  - { name: inhouse-10b, base-url: "%2$s", model: small, residency: internal }
                routes:
                  - name: chat
                    rules: [ { use: [inhouse-10b, hosted-100b], hedge: { after: 200ms } } ]
                resilience:
                  retry: { attempts: 1 }
                """ + compliance + "\n", GatewayOptions.defaults().withClock(clock).withMeters(meters));
    }

    @Test
    void aSlowFirstCandidateIsHedgedAndTheFirstToAnswerWins() throws Exception {
        hedgingGateway("");
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofSeconds(3)).build());
        long start = System.nanoTime();
        GatewayResponse r = gateway.chat(chat(false));
        assertThat(r.backend()).isEqualTo("hosted-100b");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1500));
        assertThat(r.decision().explain()).contains("hedged after 200 ms without a first token");
        assertThat(r.steps()).anySatisfy(a -> {
            assertThat(a.backend()).isEqualTo("inhouse-10b");
            assertThat(a.outcome()).isEqualTo(Attempt.Outcome.HEDGE_LOST);
            assertThat(a.detail()).isEqualTo("lost the hedge");
            assertThat(a.describe()).isEqualTo("cancelled: lost the hedge"); // the audit's words are unchanged
        });
        assertThat(meters.find("switchboard.hedges").tag("backend", "hosted-100b").counter().count()).isEqualTo(1);
        // The loser's slot went back: the in-house model takes calls again at once.
        assertThat(gateway.backends()).filteredOn(s -> s.backend().equals("inhouse-10b")).singleElement()
                .satisfies(s -> assertThat(s.inFlight()).isZero());
    }

    @Test
    void aHedgeThatLostIsSettledAtItsPromptNotAtNothing() throws Exception {
        // The in-house model reads prompts at a visible price, the hosted one is free: what the budget holds after
        // the race is exactly the loser's prompt.
        gateway = models.gateway(dir, """
                backends:
                  - { name: hosted-100b, base-url: "%1$s", model: big, residency: external,
                      price: { input-per-mtok: 0, output-per-mtok: 0, currency: CNY } }
                  - { name: inhouse-10b, base-url: "%2$s", model: small, residency: internal,
                      price: { input-per-mtok: 1000, output-per-mtok: 0, currency: CNY } }
                routes:
                  - name: chat
                    rules: [ { use: [inhouse-10b, hosted-100b], hedge: { after: 200ms } } ]
                budgets:
                  - { tenant: anonymous, limit: 1000000 CNY/day }
                resilience:
                  retry: { attempts: 1 }
                """, GatewayOptions.defaults().withClock(clock).withMeters(meters));
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofSeconds(3)).build());
        GatewayResponse r = gateway.chat(chat(false));
        assertThat(r.backend()).isEqualTo("hosted-100b");
        double prompt = r.decision().promptTokens() * 1000 / 1e6;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        double spent = 0;
        while (System.nanoTime() < end) { // the loser is settled as it is called off, on its own thread
            spent = gateway.budgets().get(0).spentToday().doubleValue();
            if (spent > 0 && gateway.budgets().get(0).reservedToday().signum() == 0) {
                break;
            }
            Thread.onSpinWait();
        }
        assertThat(spent).isCloseTo(prompt, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(gateway.budgets().get(0).reservedToday().signum()).isZero();
    }

    @Test
    void aHedgeAfterP95WaitsForTheFirstCandidatesLiveFirstTokenP95() throws Exception {
        List<Duration> waits = new java.util.concurrent.CopyOnWriteArrayList<>();
        Scheduler recording = (delay, task) -> {
            waits.add(delay);
            return Scheduler.SYSTEM.after(delay, task);
        };
        gateway = models.gateway(dir, """
                backends:
                  - { name: hosted-100b, base-url: "%1$s", model: big, residency: external }
                  - { name: inhouse-10b, base-url: "%2$s", model: small, residency: internal }
                routes:
                  - name: chat
                    rules: [ { use: [inhouse-10b, hosted-100b], hedge: { after: p95 } } ]
                resilience:
                  retry: { attempts: 1 }
                """, GatewayOptions.defaults().withClock(clock).withMeters(meters).withScheduler(recording));
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofMillis(100)).build());
        double p95 = 0;
        for (int i = 0; i < 6; i++) {
            if (i == 5) {
                // What the sixth request's hedge reads: the p95 of the five before it (read after it, the sixth's own
                // sample would be in it, and with six samples a slow one moves the p95).
                p95 = gateway.backend("inhouse-10b").orElseThrow().firstTokenP95Millis().orElseThrow();
            }
            GatewayTest.Recorder rec = new GatewayTest.Recorder();
            gateway.chatStream(chat(true), rec);
            assertThat(rec.done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(rec.backend.get()).isEqualTo("inhouse-10b"); // it answers well within any of the waits
        }
        assertThat(waits).hasSize(6);
        assertThat(waits.get(0)).isEqualTo(Duration.ofSeconds(1)); // no statistics yet: the fallback
        // Then the in-house model's live first-token p95: its 100 ms and what the machine adds, not the second.
        assertThat(waits.get(5).toNanos() / 1e6).isCloseTo(p95, org.assertj.core.data.Offset.offset(1.0));
        assertThat(waits.get(5)).isBetween(Duration.ofMillis(100), Duration.ofMillis(999));
    }

    @Test
    void aNonStreamedCallWhoseBackendGoesSilentMovesToTheNextCandidate() throws Exception {
        // Streamed upstream and assembled: an idle timeout before the answer reached the client still fails over,
        // and a timeout is not retried on the backend that timed out.
        gateway("""
                    upstream-streaming: auto
                    limits: { idle-timeout: 300ms }
                """, "  retry: { attempts: 2 }");
        inhouse.options(inhouse.options().toBuilder().tokensPerSecond(1).responseTokens(5).build());
        GatewayResponse r = gateway.chat(chat(false));
        assertThat(r.backend()).isEqualTo("hosted-100b");
        assertThat(r.steps()).extracting(Attempt::backend).containsExactly("inhouse-10b", "hosted-100b");
        assertThat(r.steps().get(0).failure()).contains(dev.switchboard.core.backend.UpstreamFailure.Kind.IDLE_TIMEOUT);
        assertThat(inhouse.requests()).hasSize(1);
    }

    @Test
    void aBackendThatAnswersStreamsWholeIsRelayedAsAStreamAndNotStreamedFromAgainUnderAuto() throws Exception {
        gateway("    upstream-streaming: auto\n", "  retry: { attempts: 1 }");
        inhouse.options(inhouse.options().toBuilder().wholeAnswers(true).build());
        // A client's stream: the whole answer arrives as the stream it stands for.
        GatewayTest.Recorder rec = new GatewayTest.Recorder();
        gateway.chatStream(chat(true), rec);
        assertThat(rec.done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.error.get()).isNull();
        assertThat(rec.backend.get()).isEqualTo("inhouse-10b");
        assertThat(rec.events).isNotEmpty();
        assertThat(rec.finish.get()).isEqualTo("stop");
        assertThat(rec.usage.get().known()).isTrue();
        // A non-streamed call is streamed upstream once, answered whole, and used as it is ...
        GatewayResponse first = gateway.chat(chat(false));
        assertThat(first.backend()).isEqualTo("inhouse-10b");
        assertThat(inhouse.requests().get(1).json().path("stream").asBoolean()).isTrue();
        // ... and from then on this backend's calls go as the client sent them.
        GatewayResponse second = gateway.chat(chat(false));
        assertThat(second.backend()).isEqualTo("inhouse-10b");
        assertThat(inhouse.requests().get(2).json().has("stream")).isTrue(); // the client's own "stream": false
        assertThat(inhouse.requests().get(2).json().path("stream").asBoolean()).isFalse();
        // The same answer either way (the mock model's text is deterministic).
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(json.readTree(first.body()).at("/choices/0/message/content"))
                .isEqualTo(json.readTree(second.body()).at("/choices/0/message/content"));
        assertThat(json.readTree(first.body()).path("object").asText()).isEqualTo("chat.completion");
    }

    @Test
    void aHedgedStreamIsServedByTheFirstBackendToStreamOnly() throws Exception {
        hedgingGateway("");
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofSeconds(3)).build());
        GatewayTest.Recorder rec = new GatewayTest.Recorder();
        gateway.chatStream(chat(true), rec);
        assertThat(rec.done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.backend.get()).isEqualTo("hosted-100b");
        assertThat(rec.error.get()).isNull();
        assertThat(String.join("", rec.events)).doesNotContain("\"model\":\"small\"");
        assertThat(gateway.backends()).filteredOn(s -> s.backend().equals("inhouse-10b")).singleElement()
                .satisfies(s -> assertThat(s.inFlight()).isZero());
    }

    @Test
    void customerDataIsNeverHedgedToAnExternalBackend() throws Exception {
        hedgingGateway("compliance: { action: mask }");
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofMillis(800)).build());
        GatewayResponse r = gateway.chat(GatewayRequest.chat("{\"model\":\"chat\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"card 6222021234567894\"}]}"));
        assertThat(r.backend()).isEqualTo("inhouse-10b");
        assertThat(hosted.requests()).isEmpty();
        assertThat(total("switchboard.hedges")).isZero();
    }

    @Test
    void aBackendAtItsOwnConcurrencyLimitIsPassedOverForTheNextCandidate() throws Exception {
        gateway("    overload: { limit: fixed, initial: 1 }", "  retry: { attempts: 1 }");
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofMillis(500)).build());
        CompletableFuture<GatewayResponse> first = gateway.chatAsync(chat(false));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (inhouse.requests().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5); // the first call is at the in-house model (a real server)
        }
        GatewayResponse second = gateway.chat(chat(false));
        assertThat(second.backend()).isEqualTo("hosted-100b");
        assertThat(second.steps().get(0)).isEqualTo(new Attempt("inhouse-10b", Attempt.Outcome.SKIPPED_OVERLOADED,
                0));
        assertThat(meters.find("switchboard.requests.shed").tag("scope", "inhouse-10b").counter().count())
                .isEqualTo(1);
        assertThat(first.get(10, TimeUnit.SECONDS).backend()).isEqualTo("inhouse-10b");
        assertThat(gateway.chat(chat(false)).backend()).isEqualTo("inhouse-10b"); // its place came back
    }

    @Test
    void timeoutsAreRetriedOnTheSameBackendOnlyWhenTheConfigSaysSo() throws Exception {
        gateway("    limits: { first-token-timeout: 200ms }",
                "  retry: { attempts: 2, backoff: 5ms..10ms, same-backend-on: [timeout] }");
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofSeconds(3)).build());
        GatewayTest.Recorder rec = new GatewayTest.Recorder();
        gateway.chatStream(chat(true), rec);
        assertThat(rec.done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.backend.get()).isEqualTo("hosted-100b");
        assertThat(inhouse.requests()).hasSize(2);
    }

    @Test
    void backoffRetriesTheSameBackendBeforeFailingOver() throws Exception {
        gateway("", """
                  retry: { attempts: 3, backoff: 5ms..20ms }
                """);
        inhouse.options(inhouse.options().toBuilder().forcedStatus(502).forcedStatusCount(2).build());
        GatewayResponse r = gateway.chat(chat(false));
        assertThat(r.backend()).isEqualTo("inhouse-10b");
        assertThat(inhouse.requests()).hasSize(3);
        assertThat(r.steps()).extracting(Attempt::outcome).element(2).isEqualTo(Attempt.Outcome.OK);
    }

    @Test
    void aStreamThatGoesSilentIsCutWithItsOwnMessage() throws Exception {
        gateway("    limits: { idle-timeout: 300ms }", "  retry: { attempts: 1 }");
        inhouse.options(inhouse.options().toBuilder().tokensPerSecond(1).responseTokens(5).build());
        GatewayTest.Recorder rec = new GatewayTest.Recorder();
        gateway.chatStream(chat(true), rec);
        assertThat(rec.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.errorAfterStart.get()).isTrue();
        assertThat(rec.error.get().getMessage()).contains("went silent for more than 300 ms");
        assertThat(meters.find("switchboard.upstream.failures").tag("kind", "idle_timeout").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum()).isEqualTo(1);
    }

    @Test
    void aBackendDribblingTokensIsFailing() throws Exception {
        gateway("    limits: { min-tokens-per-second: 5 }", "  retry: { attempts: 1 }");
        inhouse.options(inhouse.options().toBuilder().tokensPerSecond(2).responseTokens(20).build());
        GatewayTest.Recorder rec = new GatewayTest.Recorder();
        gateway.chatStream(chat(true), rec);
        assertThat(rec.done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.error.get().getMessage()).contains("tokens/s, below its minimum of 5.0");
        assertThat(meters.find("switchboard.upstream.failures").tag("kind", "too_slow").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum()).isEqualTo(1);
    }

    @Test
    void stoppingABackendUnderLoadLosesNoRequest() throws Exception {
        // A total time bounds calls caught on a connection the dying backend never answers.
        gateway("    limits: { total-timeout: 3s }", """
                  retry: { attempts: 2, backoff: 5ms..20ms }
                """);
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofMillis(5)).build());
        List<CompletableFuture<GatewayResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            calls.add(gateway.chatAsync(chat(false)));
            if (i == 60) {
                inhouse.close(); // in-flight calls are cut, later ones are refused
            }
        }
        int viaHosted = 0;
        for (CompletableFuture<GatewayResponse> c : calls) {
            GatewayResponse r = c.get(20, TimeUnit.SECONDS);
            if (r.backend().equals("hosted-100b")) {
                viaHosted++;
            }
        }
        assertThat(viaHosted).isGreaterThanOrEqualTo(139);
    }

    @Test
    void allBackendsDownGivesFast503s() throws Exception {
        gateway("", """
                  circuit-breaker: { window: 4, minimum-calls: 4 }
                  retry: { attempts: 2, backoff: 5ms..20ms }
                """);
        hosted.close();
        inhouse.close();
        for (int i = 0; i < 6; i++) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> gateway.chat(chat(false))).isInstanceOfSatisfying(GatewayException.class,
                    e -> {
                        assertThat(e.status()).isEqualTo(503);
                        assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
        GatewayTest.Recorder rec = new GatewayTest.Recorder();
        gateway.chatStream(chat(true), rec);
        assertThat(rec.done.await(2, TimeUnit.SECONDS)).isTrue();
        assertThat(rec.error.get().status()).isEqualTo(503);
        assertThat(gateway.backends()).allSatisfy(b -> assertThat(b.breaker().state()).isEqualTo(BreakerState.OPEN));
    }

    /** A counter's count over all its series (every backend's exist from the start, at 0). */
    private double total(String name) {
        return meters.find(name).counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }
}
