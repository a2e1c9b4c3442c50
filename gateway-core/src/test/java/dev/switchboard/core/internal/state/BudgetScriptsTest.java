package dev.switchboard.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The budget scripts on a real Redis, where a lost reply or an expired lease would otherwise count twice or never. */
class BudgetScriptsTest {
    private static RedisServer redis;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;
    /** Each test its own tenant, so they do not see each other's figures. */
    private final String t = "t" + System.nanoTime();
    private String[] keys() {
        return new String[] {"b:{" + t + "}:day:2026-11-30", "b:{" + t + "}:month:2026-11", "b:{" + t + "}:leases",
            "b:{" + t + "}:lease-info", "b:{" + t + "}:week:2026-11-30"};
    }

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start();
        client = RedisClient.create(redis.uri());
        connection = client.connect();
    }

    @AfterAll
    static void stop() {
        connection.close();
        client.shutdown();
        redis.close();
    }

    private List<Object> eval(RedisStateStore.Script script, String... args) {
        RedisCommands<String, String> c = connection.sync();
        return c.eval(script.source(), ScriptOutputType.MULTI, keys(), args);
    }

    private List<Object> reserve(String id, long micros, long now) {
        return reserve(id, micros, now, -1);
    }

    private List<Object> reserve(String id, long micros, long now, long weekly) {
        return eval(RedisStateStore.Script.load("budget.lua"), "reserve", String.valueOf(now), "30000",
                String.valueOf(micros), "100000", "-1", "0", id, "259200", "3456000", "2026-11-30", "2026-11", String.valueOf(weekly),
                "1209600", "2026-11-30");
    }

    private List<Object> settle(String id, long actual, boolean onlyIfHeld) {
        return eval(RedisStateStore.Script.load("budget.lua"), "settle", "0", id, String.valueOf(actual), "259200",
                "3456000", onlyIfHeld ? "1" : "0", "1209600");
    }

    @Test
    void aRetriedSettlementIsNotCountedTwice() {
        assertThat(reserve("r1", 10_000, 1_000)).containsExactly(1L, 0L, 10_000L, 0L, 10_000L, 0L, 10_000L);
        assertThat(settle("r1", 8_000, false)).containsExactly(8_000L, 0L, 8_000L, 0L, 8_000L, 0L);
        // The reply was lost; the retry finds the reservation gone and counts nothing more.
        assertThat(settle("r1", 8_000, true)).containsExactly(8_000L, 0L, 8_000L, 0L, 8_000L, 0L);
        // Refused when it would pass the limit of 100000 together with what is spent and reserved.
        assertThat(reserve("r2", 92_001, 2_000).get(0)).isEqualTo(0L);
        assertThat(reserve("r2", 92_000, 2_000).get(0)).isEqualTo(1L);
        settle("r2", 0, false);
    }

    @Test
    void aReservationWhoseLeaseRanOutIsGivenBackAndItsCostStillCountedOnce() {
        List<Object> before = settle("nothing", 0, true);
        long spent = (Long) before.get(0);
        reserve("r3", 5_000, 10_000);
        // The sidecar holding r3 stopped renewing it: 30 s later the next reservation gives it back first.
        List<Object> after = reserve("r4", 1_000, 10_000 + 30_001);
        assertThat(after.get(2)).isEqualTo(1_000L); // r3's 5000 no longer reserved
        // r3's call did happen: its first settlement counts, even with the lease gone; a retry does not.
        assertThat(settle("r3", 4_000, false).get(0)).isEqualTo(spent + 4_000);
        assertThat(settle("r3", 4_000, true).get(0)).isEqualTo(spent + 4_000);
        settle("r4", 0, false);
    }

    @Test
    void theWeekLimitRefusesWhatTheDayLimitWouldAdmit() {
        // Day limit 100000; week limit 20000: the week is the tighter one and refuses, naming its figures.
        assertThat(reserve("w1", 15_000, 1_000, 20_000).get(0)).isEqualTo(1L);
        List<Object> refused = reserve("w2", 5_001, 1_000, 20_000);
        assertThat(refused).containsExactly(0L, 0L, 15_000L, 0L, 15_000L, 0L, 15_000L);
        assertThat(reserve("w2", 5_000, 1_000, 20_000).get(0)).isEqualTo(1L);
        settle("w1", 0, false);
        settle("w2", 0, false);
    }

    @Test
    void aCallerOfTheDayAndMonthLayoutStillWorks() {
        // A sidecar of the previous version sends four keys and no week arguments while the cluster upgrades.
        String[] old = Arrays.copyOf(keys(), 4);
        RedisCommands<String, String> c = connection.sync();
        List<Object> r = c.eval(RedisStateStore.Script.load("budget.lua").source(), ScriptOutputType.MULTI, old,
                "reserve", "1000", "30000", "7000", "100000", "-1", "0", "o1", "259200", "3456000", "2026-11-30",
                "2026-11");
        assertThat(r).containsExactly(1L, 0L, 7_000L, 0L, 7_000L, 0L, 0L);
        List<Object> s = c.eval(RedisStateStore.Script.load("budget.lua").source(), ScriptOutputType.MULTI, old,
                "settle", "0", "o1", "6000", "259200", "3456000", "0");
        assertThat(s).containsExactly(6_000L, 0L, 6_000L, 0L, 0L, 0L);
    }
}
