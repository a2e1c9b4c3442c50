package dev.switchboard.server.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.Attempt;
import dev.switchboard.core.CallRecord;
import dev.switchboard.core.stats.BackendStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * What the admin console shows beyond the live endpoints, kept in memory and bounded: the last requests (their
 * records, never prompt text), each backend's figures sampled every {@link #SAMPLE_SECONDS} for the last 15 minutes,
 * and compliance counts per minute for the last 15 minutes (kinds and counts only). Fed by the gateway's call
 * listener ({@link #listener()}) and by a sampler the server schedules ({@link #sample}). Thread-safe.
 */
public final class ConsoleData {
    public static final int SAMPLE_SECONDS = 10;
    static final int SAMPLES = 15 * 60 / SAMPLE_SECONDS;
    static final int MINUTES = 15;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Clock clock;
    private final int capacity;
    private final Deque<CallRecord> decisions = new ArrayDeque<>();
    private final Map<String, Deque<Sample>> backends = new LinkedHashMap<>();
    private final TreeMap<Long, Minute> minutes = new TreeMap<>();

    /** One backend's figures at one moment. */
    record Sample(Instant at, int inFlight, int capacity, Double firstTokenP95Millis, double errorRate,
            Double tokensPerSecond, boolean breakerOpen, boolean coolingDown) {
    }

    /** One minute of compliance counts. */
    private static final class Minute {
        final Map<String, Long> actions = new TreeMap<>();
        final Map<String, Long> kinds = new TreeMap<>();
        long egressRefusals;
        long requests;
    }

    /** Keeps the last {@code capacity} requests. */
    public ConsoleData(Clock clock, int capacity) {
        this.clock = clock;
        this.capacity = capacity;
    }

    /** For {@code GatewayOptions.withCallListener}: every request as it ends. */
    public Consumer<CallRecord> listener() {
        return this::record;
    }

    void record(CallRecord r) {
        // The prompt is never kept, even where compliance.log-prompts writes it to the audit log.
        CallRecord kept = r.prompt() == null ? r : new CallRecord(r.time(), r.requestId(), r.tenant(), r.model(),
                r.stream(), r.decision(), r.attempts(), r.backend(), r.status(), r.error(), r.usage(), r.cost(),
                r.currency(), r.millis(), r.sensitive(), r.compliance(), null, r.traceId(), r.cache(),
                r.firstTokenMillis());
        long minute = clock.millis() / 60_000;
        synchronized (this) {
            decisions.addFirst(kept);
            while (decisions.size() > capacity) {
                decisions.removeLast();
            }
            Minute m = minutes.computeIfAbsent(minute, k -> new Minute());
            m.requests++;
            m.actions.merge(r.compliance().wire(), 1L, Long::sum);
            r.sensitive().counts().forEach((kind, n) -> m.kinds.merge(kind, (long) n, Long::sum));
            for (Attempt a : r.attempts()) {
                if (a.outcome() == Attempt.Outcome.REFUSED) {
                    m.egressRefusals++;
                }
            }
            while (!minutes.isEmpty() && minutes.firstKey() <= minute - MINUTES) {
                minutes.pollFirstEntry();
            }
        }
    }

    /** Takes one sample of every backend's figures (the sampler calls it every {@link #SAMPLE_SECONDS}). */
    public void sample(List<BackendStatus> now) {
        Instant at = clock.instant();
        synchronized (this) {
            Map<String, Deque<Sample>> seen = new HashMap<>();
            for (BackendStatus s : now) {
                Deque<Sample> q = backends.computeIfAbsent(s.backend(), k -> new ArrayDeque<>());
                q.addLast(new Sample(at, s.inFlight(), s.capacity(), boxed(s.firstTokenP95Millis()), s.errorRate(),
                        boxed(s.tokensPerSecondP50()),
                        s.breaker().state() == dev.switchboard.core.resilience.BreakerState.OPEN
                                || s.breaker().state() == dev.switchboard.core.resilience.BreakerState.FORCED_OPEN,
                        s.coolingDownUntil().isPresent()));
                while (q.size() > SAMPLES) {
                    q.removeFirst();
                }
                seen.put(s.backend(), q);
            }
            backends.keySet().retainAll(seen.keySet()); // a backend a reload removed
        }
    }

    private static Double boxed(java.util.OptionalDouble v) {
        return v.isPresent() ? Math.round(v.getAsDouble() * 10) / 10.0 : null;
    }

    /** The last requests, newest first, as the decisions table lists them. */
    public synchronized ObjectNode decisions(int limit) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode list = root.putArray("decisions");
        int n = 0;
        for (CallRecord r : decisions) {
            if (n++ >= limit) {
                break;
            }
            ObjectNode o = list.addObject();
            o.put("time", r.time().toString()).put("request_id", r.requestId()).put("tenant", r.tenant())
                    .put("model", r.model()).put("stream", r.stream());
            if (r.decision() != null) {
                o.put("route", r.decision().route()).put("rule", r.decision().ruleIndex())
                        .put("decision_id", r.decision().id());
            }
            o.put("backend", r.backend()).put("cache", r.cache().wire()).put("compliance", r.compliance().wire())
                    .put("attempts", r.attempts().size()).put("status", r.status()).put("error", r.error())
                    .put("ms", r.millis()).put("cost", r.cost()).put("currency", r.currency());
        }
        root.put("kept", decisions.size()).put("capacity", capacity);
        return root;
    }

    /** One request's whole record: its decision trace, its attempts, what was found (kinds and counts). */
    public synchronized Optional<CallRecord> decision(String requestId) {
        return decisions.stream().filter(r -> r.requestId().equals(requestId)).findFirst();
    }

    /** Every backend's samples, oldest first, and the compliance minutes. */
    public synchronized ObjectNode history() {
        ObjectNode root = JSON.createObjectNode();
        root.put("sample_seconds", SAMPLE_SECONDS);
        ObjectNode b = root.putObject("backends");
        backends.forEach((name, samples) -> {
            ArrayNode list = b.putArray(name);
            for (Sample s : samples) {
                ObjectNode o = list.addObject();
                o.put("at", s.at().toString()).put("in_flight", s.inFlight()).put("capacity", s.capacity())
                        .put("error_rate", s.errorRate()).put("breaker_open", s.breakerOpen())
                        .put("cooling_down", s.coolingDown());
                if (s.firstTokenP95Millis() == null) {
                    o.putNull("first_token_p95_ms");
                } else {
                    o.put("first_token_p95_ms", s.firstTokenP95Millis());
                }
                if (s.tokensPerSecond() == null) {
                    o.putNull("tokens_per_second");
                } else {
                    o.put("tokens_per_second", s.tokensPerSecond());
                }
            }
        });
        ArrayNode c = root.putArray("compliance");
        long now = clock.millis() / 60_000;
        List<Long> keys = new ArrayList<>();
        for (long m = now - MINUTES + 1; m <= now; m++) {
            keys.add(m);
        }
        for (long m : keys) {
            Minute minute = minutes.get(m);
            ObjectNode o = c.addObject();
            o.put("minute", Instant.ofEpochMilli(m * 60_000).toString());
            o.put("requests", minute == null ? 0 : minute.requests);
            o.put("egress_refusals", minute == null ? 0 : minute.egressRefusals);
            ObjectNode actions = o.putObject("actions");
            ObjectNode kinds = o.putObject("kinds");
            if (minute != null) {
                minute.actions.forEach(actions::put);
                minute.kinds.forEach(kinds::put);
            }
        }
        return root;
    }
}
