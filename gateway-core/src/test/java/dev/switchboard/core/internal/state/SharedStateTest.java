package dev.switchboard.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.GatewayResponse;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.ManualClock;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RedisServer;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several gateways — standing in for sidecars — sharing one real Redis: budgets, in-house capacity, rate limits and
 * the cache hold across all of them.
 */
class SharedStateTest {
    private static RedisServer redis;
    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-30T09:00:00Z"));
    private final List<Gateway> gateways = new ArrayList<>();
    private MockModelServer hosted;
    private MockModelServer inhouse;
    private String prefix;

    @BeforeAll
    static void startRedis() throws IOException {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @BeforeEach
    void start() {
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").responseTokens(10)
                .firstTokenDelay(Duration.ofMillis(30)).build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(10)
                .firstTokenDelay(Duration.ofMillis(200)).build());
        prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    @AfterEach
    void stop() {
        gateways.forEach(Gateway::close);
        hosted.close();
        inhouse.close();
    }

    /** A config over the two test models with the Redis store; {@code extra} is appended. */
    private String config(String inhouseLimits, String extra) {
        return """
                backends:
                  - name: hosted-100b
                    base-url: %s
                    model: big
                    residency: external
                    price: { input-per-mtok: 0, output-per-mtok: 1000, currency: CNY }
                  - name: inhouse-10b
                    base-url: %s
                    model: small
                    residency: internal
                    price: { input-per-mtok: 0, output-per-mtok: 1, currency: CNY }
                %s
                routes:
                  - name: chat
                    rules: [ { use: [hosted-100b] } ]
                  - name: mixed
                    rules: [ { use: [inhouse-10b, hosted-100b], strategy: priority } ]
                  - name: local
                    rules: [ { use: [inhouse-10b] } ]
                state:
                  store: redis
                  redis: { uri: %s, key-prefix: "%s", timeout: 2s }
                """.formatted(hosted.baseUrl(), inhouse.baseUrl(), inhouseLimits, redis.uri(), prefix) + extra;
    }

    private Gateway sidecar(String yaml) {
        GatewaySpec spec = ConfigLoader.withEnv(n -> null).parse(yaml, "test");
        Gateway g = Gateway.create(spec, GatewayOptions.defaults().withClock(clock));
        gateways.add(g);
        return g;
    }

    private List<Gateway> sidecars(int n, String yaml) {
        List<Gateway> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(sidecar(yaml));
        }
        return out;
    }

    static GatewayRequest request(String model, String tenant, String prompt) {
        return new GatewayRequest(RequestView.chat("{\"model\":\"" + model + "\",\"max_tokens\":10,\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}"), Map.of(), tenant, null);
    }

    static GatewayException failure(CompletableFuture<GatewayResponse> f) throws InterruptedException {
        try {
            f.get(30, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException | CompletionException e) {
            return e.getCause() instanceof GatewayException g ? g : null;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("a request hung", e);
        }
    }

    /**
     * The first tenant's figures once every settlement has landed: a call's answer reaches the caller before its
     * settlement reaches Redis (it is not on the request path), so they are waited for here, on real I/O.
     */
    static TenantBudget settled(Gateway g) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        TenantBudget s = g.budgets().get(0);
        while (s.reservedToday().signum() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
            s = g.budgets().get(0);
        }
        return s;
    }

    /** What {@code read} returns once it returns {@code expected}, or after 10 s of real I/O, whatever it is then. */
    static String eventually(java.util.concurrent.Callable<String> read, String expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String v = read.call();
        while (!v.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(10);
            v = read.call();
        }
        return v;
    }

    @Test
    void threeSidecarsUnder300ConcurrentRequestsNeverOvershootATenantsBudget() throws Exception {
        // Each call reserves 10 tokens at 1000 CNY per million = 0.01 CNY; the day's limit holds 100 of them.
        List<Gateway> three = sidecars(3, config("", """
                budgets:
                  - tenant: retail
                    daily: 1.00
                    currency: CNY
                    when-exhausted: reject
                """));
        List<CompletableFuture<GatewayResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            calls.add(three.get(i % 3).chatAsync(request("chat", "retail", "question " + i)));
        }
        int ok = 0;
        int refused = 0;
        for (CompletableFuture<GatewayResponse> c : calls) {
            GatewayException e = failure(c);
            if (e == null) {
                ok++;
            } else {
                assertThat(e.kind()).as(e.getMessage()).isEqualTo(ErrorKind.BUDGET_EXHAUSTED);
                refused++;
            }
        }
        TenantBudget s = settled(three.get(0));
        // Within one reservation per sidecar of the limit; with atomic reservations in fact within the limit.
        assertThat(s.spentToday()).isLessThanOrEqualTo(new BigDecimal("1.03"));
        assertThat(s.spentToday()).isLessThanOrEqualTo(new BigDecimal("1.00"));
        assertThat(s.reservedToday()).isZero();
        assertThat(ok).isEqualTo(100);
        assertThat(refused).isEqualTo(200);
        assertThat(hosted.requests()).hasSize(100);
        // Every sidecar sees the same figures: the state is shared, not copied.
        assertThat(three.get(2).budgets().get(0).spentToday()).isEqualByComparingTo(s.spentToday());
    }

    @Test
    void inHouseCapacityCountsTheCallsOfEverySidecarAndSpillsOverToTheHostedModel() throws Exception {
        List<Gateway> three = sidecars(3, config("    limits: { max-concurrency: 3 }", ""));
        inhouse.resetPeak();
        List<CompletableFuture<GatewayResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            calls.add(three.get(i % 3).chatAsync(request("mixed", "retail", "question " + i)));
        }
        int toHosted = 0;
        for (CompletableFuture<GatewayResponse> c : calls) {
            GatewayResponse r = c.get(30, TimeUnit.SECONDS);
            toHosted += r.backend().equals("hosted-100b") ? 1 : 0;
        }
        assertThat(inhouse.peakInFlight()).isEqualTo(3);
        assertThat(toHosted).isGreaterThanOrEqualTo(30 - inhouse.requests().size()).isPositive();
        assertThat(inhouse.requests().size() + toHosted).isEqualTo(30);
        // Every slot was given back (releases follow the answers, off the request path).
        assertThat(eventually(() -> redis.command("ZCARD " + prefix + "capacity:{inhouse-10b}"), ":0"))
                .isEqualTo(":0");
    }

    @Test
    void aTenantsRateLimitIsSharedBySidecars() throws Exception {
        List<Gateway> three = sidecars(3, config("", """
                rate-limits:
                  - { tenant: retail, requests-per-second: 1, burst: 2 }
                """));
        int ok = 0;
        List<GatewayException> limited = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            GatewayException e = failure(three.get(i % 3).chatAsync(request("chat", "retail", "q" + i)));
            if (e == null) {
                ok++;
            } else {
                limited.add(e);
            }
        }
        assertThat(ok).isEqualTo(2);
        assertThat(limited).hasSize(4).allSatisfy(e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.RATE_LIMITED);
            assertThat(e.retryAfter()).hasValue(Duration.ofSeconds(1));
        });
        clock.advance(Duration.ofSeconds(1));
        assertThat(failure(three.get(2).chatAsync(request("chat", "retail", "later")))).isNull();
        assertThat(failure(three.get(0).chatAsync(request("chat", "other", "another tenant")))).isNull();
    }

    @Test
    void oneSidecarsAnswerIsAnotherOnesCacheHitButCustomerDataStaysWithItsTenant() throws Exception {
        String yaml = config("", """
                cache: { enabled: true, shared: true, scope: shared, ttl: 10m }
                """);
        Gateway a = sidecar(yaml);
        Gateway b = sidecar(yaml);
        GatewayResponse first = a.chat(request("chat", "retail", "what is a mortgage?"));
        assertThat(first.cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
        awaitCacheKeys(1);
        GatewayResponse second = b.chat(request("chat", "wealth", "what is a mortgage?"));
        assertThat(second.cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(hosted.requests()).hasSize(1);

        String secret = "card 6222021234567894 belongs to Zhang San";
        assertThat(a.chat(request("local", "retail", secret)).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
        awaitCacheKeys(2);
        assertThat(b.chat(request("local", "retail", secret)).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.HIT);
        // Another tenant with the same customer data never gets the first tenant's answer.
        assertThat(b.chat(request("local", "wealth", secret)).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
        assertThat(inhouse.requests()).hasSize(2);

        // The time to live counts from when the answer was produced, in Redis as in memory.
        clock.advance(Duration.ofMinutes(10));
        assertThat(sidecar(yaml).chat(request("chat", "retail", "what is a mortgage?")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
    }

    /** The shared level is written as an answer returns, without holding it back: wait until Redis has it. */
    private void awaitCacheKeys(int n) throws Exception {
        String expected = ":" + n;
        assertThat(eventually(() -> redis.command("EVAL \"return #redis.call('KEYS', ARGV[1])\" 0 " + prefix
                + "cache:*"), expected)).isEqualTo(expected);
    }

    @Test
    void anAnswerLargerThanTheEntryLimitIsNotShared() throws Exception {
        String yaml = config("", """
                cache: { enabled: true, shared: true, max-entry-size: 64 }
                """);
        sidecar(yaml).chat(request("chat", "retail", "what is a mortgage?"));
        assertThat(sidecar(yaml).chat(request("chat", "retail", "what is a mortgage?")).cache()).isEqualTo(dev.switchboard.core.cache.CacheStatus.MISS);
        assertThat(redis.command("EVAL \"return #redis.call('KEYS', ARGV[1])\" 0 " + prefix + "cache:*"))
                .isEqualTo(":0");
    }

    @Test
    void encodedAnswersRoundTripAndForeignBytesAreAMiss() {
        var answer = new dev.switchboard.core.internal.cache.CachedAnswer("{\"id\":\"x\"}".getBytes(),
                "hosted-100b", new dev.switchboard.core.Usage(12, 34), 1_700_000_000_000L);
        var back = RedisSharedCache.decode(RedisSharedCache.encode(answer));
        assertThat(back.completion()).isEqualTo(answer.completion());
        assertThat(back.backend()).isEqualTo("hosted-100b");
        assertThat(back.usage()).isEqualTo(answer.usage());
        assertThat(back.createdAtMillis()).isEqualTo(answer.createdAtMillis());
        assertThat(RedisSharedCache.decode(new byte[] {9, 1, 2})).isNull();
        assertThat(RedisSharedCache.decode(new byte[0])).isNull();
    }

    @Test
    void leasesOfASidecarThatStoppedRenewingAreGivenBackByTheNext() throws Exception {
        Gateway g = sidecar(config("    limits: { max-concurrency: 2 }", """
                budgets:
                  - { tenant: retail, daily: 0.05, currency: CNY, when-exhausted: reject }
                """));
        String capacity = prefix + "capacity:{inhouse-10b}";
        // A sidecar that died holding both in-house slots and 0.045 of the budget: its leases run to now + 30s.
        long expiry = clock.millis() + 30_000;
        redis.command("ZADD " + capacity + " " + expiry + " dead:1 " + expiry + " dead:2");
        String day = prefix + "budget:{retail}:day:2026-11-30";
        String month = prefix + "budget:{retail}:month:2026-11";
        redis.command("HSET " + day + " reserved 45000");
        redis.command("HSET " + month + " reserved 45000");
        redis.command("ZADD " + prefix + "budget:{retail}:leases " + expiry + " dead:3");
        redis.command("HSET " + prefix + "budget:{retail}:lease-info dead:3 45000|2026-11-30|2026-11");

        GatewayResponse spilled = g.chat(request("mixed", "other", "hello"));
        assertThat(spilled.backend()).isEqualTo("hosted-100b"); // in-house is full of the dead sidecar's calls
        assertThat(failure(g.chatAsync(request("chat", "retail", "hello"))).kind())
                .isEqualTo(ErrorKind.BUDGET_EXHAUSTED);

        clock.advance(Duration.ofSeconds(31));
        assertThat(g.chat(request("mixed", "other", "hello again")).backend()).isEqualTo("inhouse-10b");
        assertThat(g.chat(request("chat", "retail", "hello again")).backend()).isEqualTo("hosted-100b");
        TenantBudget s = settled(g);
        assertThat(s.reservedToday()).isZero();
        assertThat(s.spentToday()).isEqualByComparingTo("0.01");
    }

    @Test
    void aBackendsRetryAfterCoolsItDownOnEverySidecar() throws Exception {
        // The default lease (30 s): the store's tick comes every 10 s, so the other sidecar learns it from the message.
        String yaml = config("", "");
        Gateway a = sidecar(yaml);
        Gateway b = sidecar(yaml);
        inhouse.options(inhouse.options().toBuilder().forcedStatus(429).retryAfterSeconds(30).forcedStatusCount(1)
                .build());
        assertThat(a.chat(request("mixed", "retail", "hello")).backend()).isEqualTo("hosted-100b");
        assertThat(a.backend("inhouse-10b").orElseThrow().coolingDownUntil()).hasValue(Instant.parse("2026-11-30T09:00:30Z"));
        // The other sidecar learns it from the cool-down's message at once, not from a 429 of its own, nor on its next
        // tick (every third of a lease: 10 s).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (b.backend("inhouse-10b").orElseThrow().coolingDownUntil().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20); // waiting for the real store's tick
        }
        assertThat(b.backend("inhouse-10b").orElseThrow().coolingDownUntil()).hasValue(Instant.parse("2026-11-30T09:00:30Z"));
        assertThat(b.chat(request("mixed", "retail", "hello")).backend()).isEqualTo("hosted-100b");
        assertThat(inhouse.requests()).hasSize(1);
        clock.advance(Duration.ofSeconds(31));
        assertThat(b.chat(request("mixed", "retail", "hello")).backend()).isEqualTo("inhouse-10b");
    }

    @Test
    void anAlertIsClaimedOnceAcrossSidecars() throws Exception {
        GatewaySpec spec = ConfigLoader.withEnv(n -> null).parse(config("", ""), "test");
        try (StateStore a = StateStore.open(spec.state(), clock, new io.micrometer.core.instrument.simple
                .SimpleMeterRegistry()); StateStore b = StateStore.open(spec.state(), clock,
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
            String key = "budget-alert:retail:day:2026-11-30:0.8";
            assertThat(a.claimOnce(key, Duration.ofDays(40)).get(5, TimeUnit.SECONDS)).isTrue();
            assertThat(b.claimOnce(key, Duration.ofDays(40)).get(5, TimeUnit.SECONDS)).isFalse();
            assertThat(a.claimOnce(key, Duration.ofDays(40)).get(5, TimeUnit.SECONDS)).isFalse();
            assertThat(b.claimOnce(key.replace("0.8", "1.0"), Duration.ofDays(40)).get(5, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aTenantsTokenQuotaIsSharedBySidecars() throws Exception {
        String yaml = config("", "") + "quotas:\n  - { tenant: retail, tokens-per-minute: 200 }\n";
        Gateway a = sidecar(yaml);
        Gateway b = sidecar(yaml);
        int answered = 0;
        GatewayException refused = null;
        for (int i = 0; i < 100 && refused == null; i++) {
            try {
                a.chat(request("local", "retail", "hello " + i));
                answered++;
            } catch (GatewayException e) {
                refused = e;
            }
        }
        assertThat(answered).isPositive();
        assertThat(refused).isNotNull();
        assertThat(refused.status()).isEqualTo(429);
        // The other sidecar counts the same minute: its first request of the tenant is refused too.
        GatewayException also = failure(b.chatAsync(request("local", "retail", "from b")));
        assertThat(also.status()).isEqualTo(429);
        assertThat(also.getMessage()).contains("tenant 'retail' is over its quota of 200 tokens per minute");
        // Another tenant has no quota.
        assertThat(b.chat(request("local", "other", "hello")).backend()).isEqualTo("inhouse-10b");
    }

    @Test
    void aDepartmentsBudgetHoldsAcrossSidecarsUnderConcurrentCallsOfItsApplications() throws Exception {
        // Two applications under one department: each call reserves 0.01 CNY at its application, the department and
        // the bank; the department's 0.50 a day holds 50 calls, whichever application and sidecar they come from.
        List<Gateway> three = sidecars(3, config("", """
                budgets:
                  - { group: bank, daily: 100, currency: CNY }
                  - { group: retail, parent: bank, daily: 0.50, currency: CNY }
                  - { tenant: retail, parent: retail, daily: 1.00, currency: CNY }
                  - { tenant: retail-web, parent: retail, daily: 1.00, currency: CNY }
                """));
        List<CompletableFuture<GatewayResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            calls.add(three.get(i % 3).chatAsync(request("chat", i % 2 == 0 ? "retail" : "retail-web",
                    "question " + i)));
        }
        int ok = 0;
        for (CompletableFuture<GatewayResponse> c : calls) {
            GatewayException e = failure(c);
            if (e == null) {
                ok++;
            } else {
                assertThat(e.kind()).as(e.getMessage()).isEqualTo(ErrorKind.BUDGET_EXHAUSTED);
            }
        }
        assertThat(ok).isEqualTo(50);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Map<String, TenantBudget> b = Map.of();
        while (System.nanoTime() < deadline) {
            b = three.get(0).budgets().stream().collect(java.util.stream.Collectors.toMap(TenantBudget::tenant, t -> t));
            // Every level settles (and a refused call gives back its lower levels) by a script of its own, after
            // the call's answer: wait for all four, not only the groups.
            if (b.values().stream().allMatch(t -> t.reservedToday().signum() == 0)) {
                break;
            }
            Thread.sleep(10);
        }
        assertThat(b.get("@retail").spentToday()).isEqualByComparingTo("0.50");
        assertThat(b.get("@bank").spentToday()).isEqualByComparingTo("0.50");
        assertThat(b.get("retail").spentToday().add(b.get("retail-web").spentToday())).isEqualByComparingTo("0.50");
        assertThat(b.get("@retail").reservedToday()).isZero();
        assertThat(b.get("retail").reservedToday()).isZero();
        assertThat(b.get("retail-web").reservedToday()).isZero();
        assertThat(b.get("@bank").reservedToday()).isZero();
    }

    @Test
    void aWeeklyLimitHoldsAcrossSidecars() throws Exception {
        // Each call reserves 0.01 CNY; the week's 0.05 holds five, whichever sidecar they come from.
        List<Gateway> two = sidecars(2, config("", """
                budgets:
                  - { tenant: retail, limit: [1 CNY/day, 0.05 CNY/week] }
                """));
        int ok = 0;
        for (int i = 0; i < 8; i++) {
            if (failure(two.get(i % 2).chatAsync(request("chat", "retail", "question " + i))) == null) {
                ok++;
            }
        }
        assertThat(ok).isEqualTo(5);
        TenantBudget s = settled(two.get(1));
        assertThat(s.spentThisWeek()).isEqualByComparingTo("0.05");
        assertThat(s.weeklyLimit()).isEqualByComparingTo("0.05");
        assertThat(s.reservedThisWeek()).isZero();
        assertThat(s.exhausted()).isTrue();
    }
}
