package dev.switchboard.core.internal.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.GatewayResponse;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.cache.CacheStats;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.testkit.ManualClock;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResponseCacheTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private MockModelServer model;
    private Gateway gateway;
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T09:00:00Z"));

    @TempDir
    Path dir;

    @BeforeEach
    void start() {
        model = MockModelServer.start(MockModelOptions.builder().model("m").responseTokens(20).build());
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        model.close();
    }

    private void gateway(String cache, String routeCache) throws Exception {
        Path config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                backends:
                  - { name: inhouse, base-url: "%s", model: m, residency: internal }
                routes:
                  - name: chat
                    aliases: [faq]
                    %s
                    rules: [ { use: [inhouse] } ]
                cache: %s
                """.formatted(model.baseUrl(), routeCache, cache));
        gateway = Gateway.fromConfig(config, GatewayOptions.defaults().withClock(clock));
    }

    private static GatewayRequest req(String body, String tenant, String... headers) {
        Map<String, String> h = new java.util.HashMap<>();
        for (int i = 0; i < headers.length; i += 2) {
            h.put(headers[i], headers[i + 1]);
        }
        return new GatewayRequest(RequestView.chat(body), h, tenant, null);
    }

    private static String faq(String question, String temperature) {
        return "{\"model\":\"chat\",\"temperature\":" + temperature + ",\"messages\":[{\"role\":\"user\",\"content\":\""
                + question + "\"}]}";
    }

    @Test
    void keysIgnoreOrderWhitespaceAliasAndStreamButNotContent() {
        String a = "{\"model\":\"chat\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String b = "{ \"messages\" : [ {\"content\":\"hi\", \"role\":\"user\"} ], \"temperature\" : 0.0,\n"
                + "  \"model\":\"faq\", \"stream\": true, \"user\": \"u1\" }";
        String c = "{\"model\":\"chat\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi!\"}]}";
        String d = "{\"model\":\"chat\",\"temperature\":0,\"top_p\":0.5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String ka = CacheKey.of("chat", "t:x", RequestView.chat(a).tree());
        assertThat(CacheKey.of("chat", "t:x", RequestView.chat(b).tree())).isEqualTo(ka);
        assertThat(CacheKey.of("chat", "t:x", RequestView.chat(c).tree())).isNotEqualTo(ka);
        assertThat(CacheKey.of("chat", "t:x", RequestView.chat(d).tree())).isNotEqualTo(ka);
        assertThat(CacheKey.of("chat", "t:y", RequestView.chat(a).tree())).isNotEqualTo(ka);
        assertThat(CacheKey.of("other", "t:x", RequestView.chat(a).tree())).isNotEqualTo(ka);
    }

    @Test
    void numbersAreKeyedByValueWithoutWritingThemOut() {
        java.util.function.Function<String, String> key = n -> CacheKey.of("chat", "t:x", RequestView.chat(
                "{\"model\":\"chat\",\"x\":" + n + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").tree());
        assertThat(key.apply("100")).isEqualTo(key.apply("1e2")).isEqualTo(key.apply("100.0"))
                .isEqualTo(key.apply("1.00E+2"));
        assertThat(key.apply("0")).isEqualTo(key.apply("0.0")).isEqualTo(key.apply("0e7"));
        assertThat(key.apply("0.5")).isNotEqualTo(key.apply("5")).isEqualTo(key.apply("5e-1"));
        // An exponent a client chose is never written out in full (it would take gigabytes): keyed at once.
        assertThat(key.apply("1e999999999")).isNotEqualTo(key.apply("1e999999998")).isNotEqualTo(key.apply("1"));
        assertThat(key.apply("-1e-999999999")).isNotEqualTo(key.apply("1e-999999999"));
    }

    @Test
    void aRepeatedDeterministicRequestCostsNothingTheSecondTime() throws Exception {
        gateway("{ enabled: true }", "");
        GatewayResponse first = gateway.chat(req(faq("How do I reset my PIN?", "0"), "retail"));
        GatewayResponse second = gateway.chat(req(faq("How do I reset my PIN?", "0"), "retail"));
        assertThat(first.cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
        assertThat(second.cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
        assertThat(second.bodyText()).isEqualTo(first.bodyText());
        assertThat(second.cost()).isZero();
        assertThat(model.requests()).hasSize(1);
        assertThat(gateway.cacheStats().hits()).isEqualTo(1);
    }

    @Test
    void nonDeterministicRequestsBypassUnlessTheRouteOptsIn() throws Exception {
        gateway("{ enabled: true }", "");
        gateway.chat(req(faq("Tell me a story", "0.7"), "retail"));
        GatewayResponse again = gateway.chat(req(faq("Tell me a story", "0.7"), "retail"));
        assertThat(again.cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.BYPASS);
        assertThat(model.requests()).hasSize(2);
        gateway.close();
        gateway("{ enabled: true }", "cache: { only-deterministic: false }");
        model.clearRequests();
        gateway.chat(req(faq("Tell me a story", "0.7"), "retail"));
        assertThat(gateway.chat(req(faq("Tell me a story", "0.7"), "retail")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
        assertThat(model.requests()).hasSize(1);
    }

    @Test
    void headersControlTheCache() throws Exception {
        gateway("{ enabled: true }", "");
        String body = faq("Branch hours?", "0");
        gateway.chat(req(body, "retail"));
        assertThat(gateway.chat(req(body, "retail", "x-switchboard-cache", "no-store")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.BYPASS);
        assertThat(gateway.chat(req(body, "retail", "x-switchboard-cache", "refresh")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
        assertThat(model.requests()).hasSize(3);
        assertThat(gateway.chat(req(body, "retail")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
    }

    @Test
    void identicalConcurrentMissesMakeOneUpstreamCall() throws Exception {
        gateway("{ enabled: true }", "");
        model.options(model.options().toBuilder().firstTokenDelay(Duration.ofMillis(300)).build());
        List<CompletableFuture<GatewayResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            calls.add(gateway.chatAsync(req(faq("What is the fee for a wire transfer?", "0"), "retail")));
        }
        int hits = 0;
        for (CompletableFuture<GatewayResponse> c : calls) {
            if (c.get(10, TimeUnit.SECONDS).cache() == dev.switchboard.core.cache.CacheStatus.HIT) {
                hits++;
            }
        }
        assertThat(model.requests()).hasSize(1);
        assertThat(hits).isEqualTo(19);
    }

    @Test
    void answersAreEvictedBySize() throws Exception {
        gateway("{ enabled: true, max-size: 4KiB }", "");
        for (int i = 0; i < 30; i++) {
            gateway.chat(req(faq("question " + i, "0"), "retail"));
        }
        // Caffeine applies size evictions lazily: run them now (the cache is the engine's in force, behind Gateway).
        var engineField = Gateway.class.getDeclaredField("engine");
        engineField.setAccessible(true);
        Object engine = ((java.util.concurrent.atomic.AtomicReference<?>) engineField.get(gateway)).get();
        var cacheField = engine.getClass().getDeclaredField("cache");
        cacheField.setAccessible(true);
        ((ResponseCache) cacheField.get(engine)).cleanUp();
        CacheStats s = gateway.cacheStats();
        assertThat(s.evictions()).isPositive();
        assertThat(s.bytes()).isLessThanOrEqualTo(4096);
        assertThat(s.entries()).isLessThan(30);
    }

    @Test
    void answersExpireAfterTheTtlOnTheInjectedClock() throws Exception {
        gateway("{ enabled: true, ttl: 10m }", "");
        String body = faq("Opening hours?", "0");
        gateway.chat(req(body, "retail"));
        clock.advance(Duration.ofMinutes(9));
        assertThat(gateway.chat(req(body, "retail")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
        clock.advance(Duration.ofMinutes(2));
        assertThat(gateway.chat(req(body, "retail")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
        assertThat(model.requests()).hasSize(2);
    }

    @Test
    void failedCallsAreNotCached() throws Exception {
        gateway("{ enabled: true }", "");
        model.options(model.options().toBuilder().forcedStatus(400).build());
        String body = faq("Broken?", "0");
        for (int i = 0; i < 2; i++) {
            try {
                gateway.chat(req(body, "retail"));
            } catch (RuntimeException expected) {
                // the upstream refused it
            }
        }
        assertThat(model.requests()).hasSize(2);
    }

    @Test
    void tenantScopeAndSensitiveRequestsAreNeverShared() throws Exception {
        gateway("{ enabled: true, scope: shared }", "");
        String clean = faq("What is a SWIFT code?", "0");
        gateway.chat(req(clean, "retail"));
        assertThat(gateway.chat(req(clean, "risk")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT); // shared scope
        String sensitive = faq("Why was card 6222021234567894 declined?", "0");
        gateway.chat(req(sensitive, "retail"));
        assertThat(gateway.chat(req(sensitive, "risk")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
        assertThat(gateway.chat(req(sensitive, "retail")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
        Assessment a = gateway.assess(req(sensitive, "retail"));
        assertThat(a.kinds()).containsExactly("bank-card");
    }

    @Test
    void aStreamedMissIsReplayedAsAStreamAndAsJson() throws Exception {
        gateway("{ enabled: true }", "");
        String streamed = "{\"model\":\"chat\",\"temperature\":0,\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Explain overdraft fees\"}]}";
        dev.switchboard.core.GatewayTest.Recorder first = new dev.switchboard.core.GatewayTest.Recorder();
        gateway.chatStream(req(streamed, "retail"), first);
        assertThat(first.done.await(5, TimeUnit.SECONDS)).isTrue();
        dev.switchboard.core.GatewayTest.Recorder second = new dev.switchboard.core.GatewayTest.Recorder();
        gateway.chatStream(req(streamed, "retail"), second);
        assertThat(second.done.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(model.requests()).hasSize(1);
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        for (String e : first.events) {
            JSON.readTree(e).path("choices").forEach(c -> a.append(c.path("delta").path("content").asText("")));
        }
        for (String e : second.events) {
            JSON.readTree(e).path("choices").forEach(c -> b.append(c.path("delta").path("content").asText("")));
        }
        assertThat(b.toString()).isEqualTo(a.toString()).isNotEmpty();
        GatewayResponse json = gateway.chat(req(streamed.replace("\"stream\":true,", ""), "retail"));
        assertThat(json.cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
        assertThat(JSON.readTree(json.body()).at("/choices/0/message/content").asText()).isEqualTo(a.toString());
    }
}
