package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.cache.CacheStatus;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The series the shipped alerts read follow the config in force (a breaker per backend, an SLO per rule, a budget per
 * tenant), the alerting counters exist at 0 before their first event, and the call listener hears every request —
 * refused ones too.
 */
class AlertMetersTest {
    private static final String CHAT = "{\"model\":\"chat\",\"temperature\":0,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"What is a SWIFT code?\"}]}";
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<CallRecord> calls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").forcedStatus(500).build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").build());
    }

    @AfterEach
    void stop() {
        hosted.close();
        inhouse.close();
    }

    private GatewaySpec spec(boolean withHosted, boolean withBudget) {
        String hostedBackend = withHosted ? """
                  - name: hosted-100b
                    base-url: "%s"
                    model: big
                    residency: external
                    price: { input-per-mtok: 20, output-per-mtok: 60, currency: CNY }
                    circuit-breaker: { failure-rate: 50%%, window: 4, minimum-calls: 2, open-for: 1m }
                """.formatted(hosted.baseUrl()) : "";
        String use = withHosted ? "[hosted-100b, inhouse-10b]" : "[inhouse-10b]";
        String budgets = withBudget ? """
                budgets:
                  - { tenant: retail-app, limit: [500 CNY/day, 9000 CNY/month] }
                """ : "";
        return ConfigLoader.withEnv(k -> null).parse("""
                backends:
                %s  - name: inhouse-10b
                    base-url: "%s"
                    model: small
                    residency: internal
                    price: { input-per-mtok: 1, output-per-mtok: 2, currency: CNY }
                routes:
                  - name: chat
                    rules:
                      - { when: { tenant: batch }, use: [inhouse-10b] }
                      - { use: %s, slo: { first-token-p95: 800ms } }
                cache: { enabled: true }
                rate-limits: [ { tenant: noisy, requests-per-second: 1, burst: 1 } ]
                compliance: { patterns: [ { name: employee-id, regex: "EMP[0-9]{6}" } ] }
                %s
                """.formatted(hostedBackend, inhouse.baseUrl(), use, budgets), "alerts.yaml");
    }

    /** The gateway's ticker: budget figures are refreshed at most once a second of it. */
    private final java.util.concurrent.atomic.AtomicLong ticker = new java.util.concurrent.atomic.AtomicLong();

    private Gateway gateway(GatewaySpec spec) {
        return Gateway.create(spec, GatewayOptions.defaults().withMeters(meters).withCallListener(calls::add)
                .withTicker(ticker::get));
    }

    private double gauge(String name, String... tags) {
        return meters.get(name).tags(tags).gauge().value();
    }

    @Test
    void gaugesFollowTheConfigInForce() {
        Gateway first = gateway(spec(true, true));
        assertThat(gauge("switchboard.breaker.open", "backend", "hosted-100b")).isZero();
        assertThat(gauge("switchboard.breaker.open", "backend", "inhouse-10b")).isZero();
        assertThat(gauge("switchboard.slo.first.token", "route", "chat", "rule", "1")).isEqualTo(0.8);
        assertThat(meters.find("switchboard.slo.first.token").tag("rule", "0").gauge()).isNull(); // no SLO there
        assertThat(gauge("switchboard.budget.limit", "tenant", "retail-app", "period", "day")).isEqualTo(500);
        assertThat(gauge("switchboard.budget.limit", "tenant", "retail-app", "period", "month")).isEqualTo(9000);
        assertThat(gauge("switchboard.budget.spent", "tenant", "retail-app", "period", "day")).isZero();
        assertThat(gauge("switchboard.budget.exhausted", "tenant", "retail-app")).isZero();

        // The hosted model fails: its breaker opens after two calls, and the in-house one answers each.
        for (int i = 0; i < 3; i++) {
            GatewayResponse r = first.chat(GatewayRequest.chat(CHAT.replace("SWIFT", "SWIFT " + i)).withTenant("retail-app"));
            assertThat(r.backend()).isEqualTo("inhouse-10b");
        }
        assertThat(gauge("switchboard.breaker.open", "backend", "hosted-100b")).isEqualTo(1);
        // Within a second of the last read, the figures read then; a second later, the new ones.
        assertThat(gauge("switchboard.budget.spent", "tenant", "retail-app", "period", "day")).isZero();
        ticker.addAndGet(1_000_000_000L);
        assertThat(gauge("switchboard.budget.spent", "tenant", "retail-app", "period", "day")).isPositive();
        assertThat(gauge("switchboard.budget.spent", "tenant", "retail-app", "period", "month")).isPositive();

        // A reload without the hosted backend and without budgets takes their series away.
        Gateway second = first.reconfigure(spec(false, false));
        try (second) {
            assertThat(meters.find("switchboard.breaker.open").tag("backend", "hosted-100b").gauge()).isNull();
            assertThat(gauge("switchboard.breaker.open", "backend", "inhouse-10b")).isZero();
            assertThat(meters.find("switchboard.budget.limit").gauges()).isEmpty();
            assertThat(meters.find("switchboard.budget.exhausted").gauges()).isEmpty();
            assertThat(gauge("switchboard.slo.first.token", "route", "chat", "rule", "1")).isEqualTo(0.8);
        }
    }

    @Test
    void alertingCountersExistBeforeTheirFirstEvent() {
        try (Gateway g = gateway(spec(true, false))) {
            assertThat(g.models()).contains("chat");
            // Every kind the config detects, for every external backend, at 0.
            for (String kind : List.of("bank-card", "cn-resident-id", "email", "employee-id")) {
                assertThat(meters.get("switchboard.egress.refusals").tags("backend", "hosted-100b", "kind", kind)
                        .counter().count()).isZero();
            }
            assertThat(meters.find("switchboard.egress.refusals").tag("backend", "inhouse-10b").counters()).isEmpty();
            for (String scope : List.of("gateway", "hosted-100b", "inhouse-10b")) {
                assertThat(meters.get("switchboard.requests.shed").tag("scope", scope).counter().count()).isZero();
            }
            for (String backend : List.of("hosted-100b", "inhouse-10b")) {
                assertThat(meters.get("switchboard.upstream.failures").tags("backend", backend, "kind", "status")
                        .counter().count()).isZero();
                assertThat(meters.get("switchboard.upstream.retries").tag("backend", backend).counter().count())
                        .isZero();
                assertThat(meters.get("switchboard.hedges").tag("backend", backend).counter().count()).isZero();
                assertThat(meters.get("switchboard.upstream.cool.downs").tag("backend", backend).counter().count())
                        .isZero();
            }
        }
    }

    @Test
    void theListenerHearsEveryRequestWithItsCacheStatusAndFirstToken() throws InterruptedException {
        try (Gateway g = gateway(spec(false, false))) {
            g.chat(GatewayRequest.chat(CHAT).withTenant("retail-app"));
            g.chat(GatewayRequest.chat(CHAT).withTenant("retail-app"));
            g.chat(GatewayRequest.chat(CHAT.replace("SWIFT", "BIC")).withTenant("noisy"));
            assertThatThrownBy(() -> g.chat(GatewayRequest.chat(CHAT.replace("SWIFT", "IBAN")).withTenant("noisy")))
                    .isInstanceOf(GatewayException.class).extracting(e -> ((GatewayException) e).status())
                    .isEqualTo(429);
            GatewayTest.Recorder stream = new GatewayTest.Recorder();
            g.chatStream(GatewayRequest.chat(CHAT.replace("\"temperature\":0", "\"stream\":true")).withTenant("retail-app"),
                    stream);
            assertThat(stream.done.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            // Records are written as requests end; the last one (the stream's) right after its end.
            waitFor(() -> calls.size() == 5);
        }
        assertThat(calls).extracting(CallRecord::status).containsExactly(200, 200, 200, 429, 200);
        assertThat(calls).extracting(CallRecord::cache).containsExactly(CacheStatus.MISS, CacheStatus.HIT,
                CacheStatus.MISS, CacheStatus.BYPASS, CacheStatus.BYPASS);
        assertThat(calls.get(3).error()).isEqualTo("rate_limit_exceeded");
        assertThat(calls.get(3).decision()).isNull(); // refused before routing
        assertThat(calls.get(4).firstTokenMillis()).isPresent();
        assertThat(calls.get(4).firstTokenMillis().getAsLong()).isBetween(0L, calls.get(4).millis());
        assertThat(calls.get(1).firstTokenMillis()).isEmpty(); // from the cache: no backend, no first token
        // Every request in the call metrics too, the refused one under its error.
        assertThat(meters.get("gen_ai.client.operation.duration").tag("outcome", "rate_limit_exceeded").timer().count())
                .isEqualTo(1);
        assertThat(meters.get("switchboard.compliance.verdicts").tag("action", "none").counter().count())
                .isEqualTo(5);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        long end = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited 10 s").isLessThan(end);
            Thread.onSpinWait();
        }
    }
}
