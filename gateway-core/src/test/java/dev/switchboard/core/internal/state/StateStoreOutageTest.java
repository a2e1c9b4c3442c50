package dev.switchboard.core.internal.state;

import static dev.switchboard.core.internal.state.SharedStateTest.failure;
import static dev.switchboard.core.internal.state.SharedStateTest.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.testkit.ManualClock;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RedisServer;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Redis hung, down and back: requests never wait past the store's timeout, each part falls back as configured
 * (budgets to internal-only, rate limits to the local count), and the sidecar resumes on its own.
 */
class StateStoreOutageTest {
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T09:00:00Z"));
    private RedisServer redis;
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private Gateway gateway;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").responseTokens(5).build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(5).build());
        gateway = Gateway.create(ConfigLoader.withEnv(n -> null).parse("""
                backends:
                  - { name: hosted-100b, base-url: %s, model: big, residency: external,
                      price: { input-per-mtok: 0, output-per-mtok: 1000, currency: CNY } }
                  - { name: inhouse-10b, base-url: %s, model: small, residency: internal,
                      price: { input-per-mtok: 0, output-per-mtok: 1, currency: CNY } }
                routes:
                  - { name: chat, rules: [ { use: [hosted-100b] } ] }
                  - { name: local, rules: [ { use: [inhouse-10b] } ] }
                budgets:
                  - { tenant: retail, daily: 100, currency: CNY, when-exhausted: reject }
                rate-limits:
                  - { tenant: "*", requests-per-second: 1000, burst: 1000 }
                state:
                  store: redis
                  redis: { uri: %s, timeout: 200ms, circuit-breaker: { minimum-calls: 3, window: 5, open-for: 5s } }
                """.formatted(hosted.baseUrl(), inhouse.baseUrl(), redis.uri()), "test"),
                GatewayOptions.defaults().withClock(clock));
    }

    @AfterEach
    void stop() {
        gateway.close();
        hosted.close();
        inhouse.close();
        redis.close();
    }

    /** Runs a request and returns its failure (null on success), asserting that it did not wait for Redis. */
    private GatewayException timed(String model, String tenant) throws Exception {
        long start = System.nanoTime();
        GatewayException e = failure(gateway.chatAsync(request(model, tenant, "hello")));
        // The store's timeout is 200 ms; a request may pay it for the budget and the rate limit, never more.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        return e;
    }

    private void assertFallsBackAsConfigured() throws Exception {
        GatewayException refused = timed("chat", "retail");
        assertThat(refused).isNotNull();
        assertThat(refused.kind()).isEqualTo(ErrorKind.STATE_UNAVAILABLE);
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.getMessage()).contains("budget of tenant 'retail'", "only internal backends");
        // Clients are told what could not be done, never where the store is or what its client library said.
        String port = redis.uri().substring(redis.uri().lastIndexOf(':') + 1);
        assertThat(refused.getMessage()).doesNotContain("127.0.0.1", port, "Redis", "Exception", "timed out");
        assertThat(gateway.stateHealth().lastError()).isNotBlank(); // the operator still sees the detail
        assertThat(timed("local", "retail")).isNull(); // internal-only: in-house calls go on, uncounted
        assertThat(timed("chat", "no-budget")).isNull(); // rate limit counted locally, no budget to keep
    }

    /** Moves past the store breaker's open time and retries until the sidecar has resumed by itself. */
    private void assertResumes() throws Exception {
        for (int i = 0; i < 100; i++) {
            clock.advance(Duration.ofSeconds(6));
            if (timed("chat", "retail") == null) {
                assertThat(gateway.stateHealth().up()).isTrue();
                // A reservation whose reply timed out may have landed when Redis woke up: it is held until the
                // compensating release lands on the next tick, or its lease runs out — whichever comes first.
                clock.advance(Duration.ofSeconds(31));
                assertThat(SharedStateTest.settled(gateway).reservedToday()).isZero();
                assertThat(gateway.budgets().get(0).spentToday()).isPositive();
                return;
            }
            Thread.sleep(100); // waiting for a real reconnection, not for test time
        }
        throw new AssertionError("the sidecar did not resume: " + gateway.stateHealth());
    }

    @Test
    void aHungRedisCostsAtMostItsTimeoutThenTheBreakerAnswersAtOnce() throws Exception {
        assertThat(timed("chat", "retail")).isNull();
        assertThat(gateway.stateHealth().up()).isTrue();
        redis.pause();
        try {
            assertFallsBackAsConfigured();
            assertFallsBackAsConfigured();
            assertThat(gateway.stateHealth().up()).isFalse();
            assertThat(gateway.stateHealth().breaker()).isEqualTo("open");
            assertThat(gateway.stateHealth().fallbacks()).isPositive();
            assertThat(gateway.meters().find("switchboard.state.up").gauge().value()).isZero();
        } finally {
            redis.resume();
        }
        assertResumes();
    }

    @Test
    void theStoreCannotChangeOnAReload() {
        var spec = gateway.spec();
        var memory = new dev.switchboard.core.config.GatewaySpec(spec.server(), spec.backends(), spec.routes(),
                spec.budgets(), spec.audit(), spec.retry(), spec.compliance(), spec.cache(), spec.rateLimits(),
                dev.switchboard.core.config.StateSpec.MEMORY, spec.overload(), spec.telemetry());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> gateway.reconfigure(memory))
                .isInstanceOf(dev.switchboard.core.config.ConfigException.class)
                .hasMessageContaining("state: the state store cannot change while running");
    }

    @Test
    void aStoppedRedisFailsFastAndARestartedOneIsUsedAgain() throws Exception {
        assertThat(timed("chat", "retail")).isNull();
        redis.stop();
        assertFallsBackAsConfigured();
        assertThat(gateway.stateHealth().lastError()).isNotNull();
        redis.restart();
        assertResumes();
        assertThat(hosted.requests().size()).isGreaterThanOrEqualTo(3);
    }
}
