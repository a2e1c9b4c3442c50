package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.testkit.MockModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cost, latency, capacity and budgets against simulated models made slow or expensive. */
class GatewayRoutingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET_PROMPT = "account 6222021234567890 belongs to Zhang San";

    private TwoModels models;
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private Gateway gateway;

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        models = new TwoModels(10);
        hosted = models.hosted;
        inhouse = models.inhouse;
    }

    @AfterEach
    void stop() {
        models.close();
    }

    private void gateway(String routes, String extra) throws Exception {
        gateway = models.gateway(dir, """
                backends:
                  - name: hosted-100b
                    base-url: %1$s
                    model: big
                    residency: external
                    price: { input-per-mtok: 2.0, output-per-mtok: 8.0, currency: CNY }
                  - name: inhouse-10b
                    base-url: %2$s
                    model: small
                    residency: internal
                    price: { input-per-mtok: 0.1, output-per-mtok: 0.3, currency: CNY }
                    limits: { max-concurrency: 2 }
                routes:
                """ + routes + "\n" + extra + "\n", GatewayOptions.defaults());
    }

    private static GatewayRequest request(boolean stream, String tenant, int maxTokens) {
        String body = "{\"model\":\"chat\",\"stream\":" + stream + (maxTokens > 0 ? ",\"max_tokens\":" + maxTokens : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + SECRET_PROMPT + "\"}]}";
        return new GatewayRequest(RequestView.chat(body), Map.of(), tenant, null);
    }

    @Test
    void spillsOverToTheHostedModelWhenInHouseCapacityIsFull() throws Exception {
        gateway("""
                  - name: chat
                    rules: [ { use: [inhouse-10b, hosted-100b], strategy: cheapest } ]
                """, "");
        inhouse.options(inhouse.options().toBuilder().tokensPerSecond(20).responseTokens(20).build());
        List<GatewayTest.Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            GatewayTest.Recorder r = new GatewayTest.Recorder();
            recorders.add(r);
            gateway.chatStream(request(true, "retail", 0), r);
        }
        for (GatewayTest.Recorder r : recorders) {
            assertThat(r.done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(r.error.get()).isNull();
        }
        assertThat(recorders).filteredOn(r -> "inhouse-10b".equals(r.backend.get())).hasSize(2);
        assertThat(recorders).filteredOn(r -> "hosted-100b".equals(r.backend.get())).hasSize(4);
        assertThat(gateway.backends()).allSatisfy(s -> assertThat(s.inFlight()).isZero());
    }

    @Test
    void cheapestWithinSloLearnsThatTheInHouseModelIsSlow() throws Exception {
        gateway("""
                  - name: chat
                    rules:
                      - use: [hosted-100b, inhouse-10b]
                        strategy: cheapest-within-slo
                        slo: { first-token-p95: 300ms }
                """, "");
        inhouse.options(inhouse.options().toBuilder().firstTokenDelay(Duration.ofMillis(600)).build());
        GatewayTest.Recorder first = new GatewayTest.Recorder();
        gateway.chatStream(request(true, "retail", 0), first);
        assertThat(first.done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(first.backend.get()).isEqualTo("inhouse-10b"); // cheapest, and nothing known yet
        GatewayTest.Recorder second = new GatewayTest.Recorder();
        gateway.chatStream(request(true, "retail", 0), second);
        assertThat(second.done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(second.backend.get()).isEqualTo("hosted-100b");
        assertThat(gateway.explain(request(true, "retail", 0)).traces())
                .filteredOn(t -> t.backend().equals("inhouse-10b")).singleElement()
                .satisfies(t -> {
                    assertThat(t.reason()).contains("over SLO");
                    assertThat(t.predictedFirstTokenMillis()).isGreaterThanOrEqualTo(600);
                });
    }

    @Test
    void concurrentRequestsNeverOvershootTheBudgetByMoreThanOneReservation() throws Exception {
        // Worst case per request on hosted: ~20 prompt tokens x 2 + 1000 x 8 per million = ~0.008 CNY.
        gateway("""
                  - name: chat
                    rules: [ { use: [hosted-100b] } ]
                """, """
                budgets:
                  - tenant: retail
                    limit: 0.05 CNY/day
                    when-exhausted: reject
                """);
        // Slow enough that every call is admitted while the first ones are still running: a call that ended
        // settles to its (much smaller) actual cost and would let later ones in, which is right but not this test.
        hosted.options(hosted.options().toBuilder().firstTokenDelay(Duration.ofSeconds(1)).build());
        List<CompletableFuture<GatewayResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            calls.add(gateway.chatAsync(request(false, "retail", 1000)));
        }
        int ok = 0;
        int refused = 0;
        for (CompletableFuture<GatewayResponse> c : calls) {
            try {
                c.get(10, TimeUnit.SECONDS);
                ok++;
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause()).isInstanceOfSatisfying(GatewayException.class,
                        g -> assertThat(g.status()).isEqualTo(429));
                refused++;
            }
        }
        assertThat(ok + refused).isEqualTo(40);
        assertThat(ok).isBetween(1, 7);
        TenantBudget s = gateway.budgets().get(0);
        assertThat(s.reservedToday()).isEqualByComparingTo("0");
        assertThat(s.spentToday().doubleValue()).isLessThanOrEqualTo(0.05 + 0.0081);
        // The actual answers were short, so the tenant has budget again for short requests.
        assertThat(hosted.requests()).hasSize(ok);
    }

    @Test
    void internalOnlyBudgetsKeepAnExhaustedTenantOnTheInHouseModel() throws Exception {
        gateway("""
                  - name: chat
                    rules: [ { use: [hosted-100b, inhouse-10b] } ]
                """, """
                budgets:
                  - tenant: retail
                    daily: 0.0001
                    currency: CNY
                    when-exhausted: internal-only
                """);
        // Worst case on hosted for max_tokens 5: ~20 x 2 + 5 x 8 per million = ~0.00008 CNY.
        GatewayResponse r = gateway.chat(request(false, "retail", 5));
        assertThat(r.backend()).isEqualTo("hosted-100b");
        // What is left cannot cover hosted's worst case again: passed over, the in-house model serves.
        GatewayResponse next = gateway.chat(request(false, "retail", 5));
        assertThat(next.backend()).isEqualTo("inhouse-10b");
        assertThat(next.steps().get(0)).isEqualTo(new Attempt("hosted-100b", Attempt.Outcome.SKIPPED_OVER_BUDGET, 0));
        // In-house calls still count; once the limit is reached, decisions exclude external backends up front.
        for (int i = 0; i < 40 && !gateway.budgets().get(0).exhausted(); i++) {
            assertThat(gateway.chat(request(false, "retail", 5)).backend()).isEqualTo("inhouse-10b");
        }
        assertThat(gateway.budgets().get(0).exhausted()).isTrue();
        GatewayResponse last = gateway.chat(request(false, "retail", 5));
        assertThat(last.backend()).isEqualTo("inhouse-10b");
        assertThat(last.decision().summary()).contains("hosted-100b excluded: tenant budget exhausted");
        assertThat(last.decision().traces()).filteredOn(t -> t.backend().equals("hosted-100b")).singleElement()
                .satisfies(t -> assertThat(t.exclusion())
                        .isEqualTo(dev.switchboard.core.routing.Exclusion.BUDGET_INTERNAL_ONLY));
        assertThat(gateway.chat(request(false, "other-tenant", 5)).backend()).isEqualTo("hosted-100b");
    }

    @Test
    void aClientLeavingMidStreamSettlesWhatWasProduced() throws Exception {
        gateway("""
                  - name: chat
                    rules: [ { use: [hosted-100b] } ]
                """, """
                budgets:
                  - { tenant: retail, limit: 10 CNY/day }
                """);
        hosted.options(hosted.options().toBuilder().tokensPerSecond(50).responseTokens(500).build());
        GatewayTest.Recorder r = new GatewayTest.Recorder();
        StreamCall call = gateway.chatStream(request(true, "retail", 0), r);
        assertThat(r.firstEvent.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(gateway.budgets().get(0).reservedToday().doubleValue()).isGreaterThan(0);
        call.cancel();
        TenantBudget s = gateway.budgets().get(0);
        assertThat(s.reservedToday()).isEqualByComparingTo("0");
        assertThat(s.spentToday().doubleValue()).isGreaterThan(0).isLessThan(0.001);
        assertThat(gateway.backends()).allSatisfy(st -> assertThat(st.inFlight()).isZero());
    }

    @Test
    void everyDecisionGoesToTheAuditLogWithoutThePrompt() throws Exception {
        Path audit = dir.resolve("audit/decisions.jsonl");
        gateway("""
                  - name: chat
                    rules: [ { use: [inhouse-10b, hosted-100b], strategy: cheapest, reason: cost first } ]
                """, "audit: { path: " + audit + " }");
        inhouse.options(inhouse.options().toBuilder().forcedStatus(503).build());
        gateway.chat(request(false, "retail", 0));
        GatewayTest.Recorder r = new GatewayTest.Recorder();
        gateway.chatStream(request(true, "retail", 0), r);
        assertThat(r.done.await(5, TimeUnit.SECONDS)).isTrue();
        try {
            gateway.chat(new GatewayRequest(RequestView.chat("{\"model\":\"nope\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"" + SECRET_PROMPT + "\"}]}"), Map.of(), "retail", null));
        } catch (GatewayException expected) {
            // recorded too
        }
        gateway.close();
        gateway = null;
        List<String> lines = Files.readAllLines(audit);
        assertThat(lines).hasSize(3);
        assertThat(String.join("\n", lines)).doesNotContain("6222021234567890").doesNotContain("Zhang San");
        JsonNode first = JSON.readTree(lines.get(0));
        assertThat(first.get("tenant").asText()).isEqualTo("retail");
        assertThat(first.get("rule").asInt()).isZero();
        assertThat(first.get("strategy").asText()).isEqualTo("cheapest");
        assertThat(first.get("backend").asText()).isEqualTo("hosted-100b");
        assertThat(first.get("attempts")).hasSize(3); // one retry on the same backend by default, then failover
        assertThat(first.at("/attempts/0/outcome").asText()).contains("HTTP 503");
        assertThat(first.get("candidates")).hasSize(2);
        assertThat(first.get("cost").asDouble()).isPositive();
        assertThat(first.get("decision").asText()).startsWith("rule 0 (always): inhouse-10b, cheapest");
        assertThat(JSON.readTree(lines.get(1)).get("stream").asBoolean()).isTrue();
        assertThat(JSON.readTree(lines.get(2)).get("error").asText()).isEqualTo("model_not_found");
    }

    @Test
    void theAuditLogRotatesBySize() throws Exception {
        Path audit = dir.resolve("a/decisions.jsonl");
        gateway("""
                  - name: chat
                    rules: [ { use: [inhouse-10b] } ]
                """, "audit: { path: " + audit + ", max-file-size: 2KiB, keep: 2 }");
        for (int i = 0; i < 12; i++) {
            gateway.chat(request(false, "retail", 0));
        }
        gateway.close();
        gateway = null;
        try (var files = Files.list(audit.getParent())) {
            List<Path> all = files.toList();
            assertThat(all).hasSize(3); // the live file and the two newest rotated ones
            long lines = 0;
            for (Path p : all) {
                assertThat(Files.size(p)).isLessThanOrEqualTo(2048);
                lines += Files.readAllLines(p).size();
            }
            assertThat(lines).isLessThan(12).isGreaterThan(3);
        }
    }
}
