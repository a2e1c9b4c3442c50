package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.testkit.ManualClock;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Token quotas: a tenant's tokens per minute reserved at the request's estimate and settled to what the backend
 * reported (so the quota counts real tokens, not worst cases), 429 with Retry-After when full; a backend's quota
 * passes the backend over for the next candidate.
 */
class TokenQuotaTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-12-02T09:00:10Z"));
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private Gateway gateway;

    @BeforeEach
    void start() {
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").responseTokens(16).build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(16).build());
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        hosted.close();
        inhouse.close();
    }

    private Gateway gateway(String quotas) {
        gateway = Gateway.create(ConfigLoader.withEnv(k -> null).parse("""
                backends:
                  - { name: hosted-100b, base-url: "%s", model: big, residency: external }
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [hosted-100b, inhouse-10b], strategy: priority } ] }
                resilience: { retry: { attempts: 1 } }
                quotas:
                %s
                """.formatted(hosted.baseUrl(), inhouse.baseUrl(), quotas), "quotas.yaml"),
                GatewayOptions.defaults().withClock(clock));
        return gateway;
    }

    private static GatewayRequest chat(String tenant) {
        return GatewayRequest.chat("{\"model\":\"chat\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}").withTenant(tenant);
    }

    @Test
    void aTenantsTokensPerMinuteAreReservedSettledAndRefusedWith429UntilTheMinuteRenews() {
        gateway("  - { tenant: retail-app, tokens-per-minute: 300 }");
        // Each request reserves its prompt and max_tokens (100), and settles to what the model reported (far less):
        // without settling, the third would be refused.
        int answered = 0;
        GatewayException refused = null;
        for (int i = 0; i < 50 && refused == null; i++) {
            try {
                GatewayResponse r = gateway.chat(chat("retail-app"));
                assertThat(r.usage().completionTokens()).isEqualTo(16);
                answered++;
            } catch (GatewayException e) {
                refused = e;
            }
        }
        assertThat(answered).isGreaterThan(3); // 300 / ~105 reserved would allow only 2 without settling
        assertThat(refused).isNotNull();
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.getMessage()).contains("tenant 'retail-app' is over its quota of 300 tokens per minute");
        assertThat(refused.retryAfter()).isPresent();
        assertThat(refused.retryAfter().get()).isBetween(Duration.ofSeconds(49), Duration.ofSeconds(50));
        // Other tenants have no quota.
        assertThat(gateway.chat(chat("risk-team")).backend()).isEqualTo("hosted-100b");
        // The next minute, the tenant is served again.
        clock.advance(Duration.ofSeconds(51));
        assertThat(gateway.chat(chat("retail-app")).backend()).isEqualTo("hosted-100b");
    }

    @Test
    void aRequestLargerThanTheWholeQuotaIsA400NotAnEndless429() {
        gateway("  - { tenant: retail-app, tokens-per-minute: 50 }");
        GatewayException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                () -> gateway.chat(chat("retail-app")), GatewayException.class);
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.retryAfter()).isEmpty();
        assertThat(e.getMessage()).contains("more than the whole quota of tenant 'retail-app' (50)");
    }

    @Test
    void aBackendsFullQuotaPassesItOverForTheNextCandidate() {
        gateway("  - { backend: hosted-100b, tokens-per-minute: 250 }");
        GatewayResponse first = gateway.chat(chat("a"));
        assertThat(first.backend()).isEqualTo("hosted-100b");
        GatewayResponse later = null;
        for (int i = 0; i < 20; i++) {
            later = gateway.chat(chat("b"));
            if (later.backend().equals("inhouse-10b")) {
                break;
            }
        }
        assertThat(later.backend()).isEqualTo("inhouse-10b");
        assertThat(later.steps()).anySatisfy(a -> {
            assertThat(a.backend()).isEqualTo("hosted-100b");
            assertThat(a.outcome()).isEqualTo(Attempt.Outcome.SKIPPED_OVER_QUOTA);
            assertThat(a.describe()).isEqualTo("skipped: over its token quota");
        });
        assertThat(gateway.chain()).contains("quota");
        clock.advance(Duration.ofMinutes(1));
        assertThat(gateway.chat(chat("c")).backend()).isEqualTo("hosted-100b");
    }

    @Test
    void aStreamSettlesWhenItEnds() throws Exception {
        gateway("  - { tenant: retail-app, tokens-per-minute: 300 }");
        int streamed = 0;
        for (int i = 0; i < 4; i++) {
            GatewayTest.Recorder rec = new GatewayTest.Recorder();
            gateway.chatStream(GatewayRequest.chat("{\"model\":\"chat\",\"stream\":true,\"max_tokens\":100,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").withTenant("retail-app"), rec);
            assertThat(rec.done.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            if (rec.error.get() == null) {
                streamed++;
            }
        }
        assertThat(streamed).isEqualTo(4); // each settled to its ~25 tokens when it ended
    }

    @Test
    void aQuotaNamesWhoseTokensItCounts() {
        ConfigException e = catchThrowableOfType(() -> ConfigLoader.withEnv(k -> null).parse("""
                backends: [ { name: inhouse-10b, base-url: "http://127.0.0.1:1/v1", model: m, residency: internal } ]
                routes: [ { name: chat, rules: [ { use: [inhouse-10b] } ] } ]
                quotas:
                  - { tenant: a, backend: inhouse-10b, tokens-per-minute: 10 }
                  - { backend: nowhere, tokens-per-day: 10 }
                  - { tenant: b }
                """, "bad.yaml"), ConfigException.class);
        assertThat(e.errors()).extracting(Object::toString).anySatisfy(s -> assertThat(s)
                        .contains("quotas[0]").contains("either 'tenant' or 'backend'"))
                .anySatisfy(s -> assertThat(s).contains("quotas[1].backend").contains("'nowhere' is not a backend"))
                .anySatisfy(s -> assertThat(s).contains("quotas[2]").contains("tokens-per-minute and/or"));
    }
}
