package dev.switchboard.server.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.config.Residency;
import dev.switchboard.core.config.RouteSpec;
import dev.switchboard.core.config.SloSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cost-benefit report a finance owner asks for, from the audit log and the config that priced it: per group
 * (tenant, route, backend, day — any of them), the requests, tokens and spend; what the same traffic would have cost
 * on each backend alone (all on the hosted model, all in-house); what the cache saved; the share kept internal for
 * compliance; and how often each rule's latency objective was met. Only what the log says is counted: a request
 * whose usage the backend did not report adds no tokens and is left out of the "what if" costs (counted apart).
 */
public final class CostReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The dimensions a report may be grouped by. */
    public enum By {
        TENANT, ROUTE, BACKEND, DAY;

        public static By of(String s) {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** One group's figures (and the total's). */
    public static final class Figures {
        long requests;
        long errors;
        long withUsage;
        long promptTokens;
        long completionTokens;
        double spend;
        long cacheHits;
        double cacheSavings;
        long keptInternal;
        long masked;
        long blocked;
        long sloJudged;
        long sloMet;
        final Map<String, Double> ifAllOn = new LinkedHashMap<>();

        void add(Record r, GatewaySpec spec) {
            requests++;
            if (r.status >= 400 || r.error != null) {
                errors++;
            }
            spend += r.cost;
            if (r.promptTokens >= 0) {
                withUsage++;
                promptTokens += r.promptTokens;
                completionTokens += r.completionTokens;
                for (BackendSpec b : spec.backends()) {
                    ifAllOn.merge(b.name(), b.price().costOf(r.promptTokens, r.completionTokens), Double::sum);
                }
            }
            if ("hit".equals(r.cache)) {
                cacheHits++;
                BackendSpec first = r.backend == null ? null : spec.backend(r.backend).orElse(null);
                if (first != null && r.promptTokens >= 0) {
                    cacheSavings += first.price().costOf(r.promptTokens, r.completionTokens);
                }
            }
            switch (r.compliance == null ? "" : r.compliance) {
                case "route-internal", "internal-unmasked" -> keptInternal++;
                case "masked" -> masked++;
                case "blocked" -> blocked++;
                default -> {
                }
            }
            Double slo = r.sloMillis;
            if (slo != null && r.latencyForSlo != null) {
                sloJudged++;
                if (r.latencyForSlo <= slo) {
                    sloMet++;
                }
            }
        }

        public long requests() {
            return requests;
        }

        public double spend() {
            return spend;
        }
    }

    /** One audit line, as far as the report reads it. */
    static final class Record {
        Instant time;
        String tenant;
        String route;
        Integer rule;
        String backend;
        int status;
        String error;
        long promptTokens = -1;
        long completionTokens = -1;
        double cost;
        String cache;
        String compliance;
        /** The rule's objective (first token if it has one, else total), in ms; null when there is none. */
        Double sloMillis;
        /** The matching latency of the request, when the log has it. */
        Long latencyForSlo;
    }

    private final GatewaySpec spec;
    private final List<By> by;
    private final ZoneId zone;
    private final Map<List<String>, Figures> groups = new TreeMap<>((a, b) -> String.join("\u0000", a)
            .compareTo(String.join("\u0000", b)));
    private final Figures total = new Figures();
    private Instant first;
    private Instant last;
    private long skipped;

    public CostReport(GatewaySpec spec, List<By> by, ZoneId zone) {
        this.spec = spec;
        this.by = List.copyOf(by);
        this.zone = zone;
    }

    /** Reads every line of an audit log (rotated files too) within {@code [from, to)}; lines that are not JSON are counted apart. */
    public void read(Path auditLog, Instant from, Instant to) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(auditLog, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    skipped++;
                    continue;
                }
                Record r = record(n);
                if (r == null || from != null && r.time.isBefore(from) || to != null && !r.time.isBefore(to)) {
                    if (r == null) {
                        skipped++;
                    }
                    continue;
                }
                add(r);
            }
        }
    }

    private Record record(JsonNode n) {
        if (!n.hasNonNull("time") || !n.hasNonNull("request_id")) {
            return null;
        }
        Record r = new Record();
        try {
            r.time = Instant.parse(n.get("time").asText());
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
        r.tenant = n.path("tenant").asText("");
        r.route = n.hasNonNull("route") ? n.get("route").asText() : null;
        r.rule = n.hasNonNull("rule") ? n.get("rule").asInt() : null;
        r.backend = n.hasNonNull("backend") ? n.get("backend").asText() : null;
        r.status = n.path("status").asInt(200);
        r.error = n.hasNonNull("error") ? n.get("error").asText() : null;
        if (n.hasNonNull("prompt_tokens")) {
            r.promptTokens = n.get("prompt_tokens").asLong();
            r.completionTokens = n.path("completion_tokens").asLong(0);
        }
        r.cost = n.path("cost").asDouble(0);
        r.cache = n.hasNonNull("cache") ? n.get("cache").asText() : null;
        r.compliance = n.hasNonNull("compliance") ? n.get("compliance").asText() : null;
        SloSpec slo = slo(r.route, r.rule);
        if (slo != null && slo.firstTokenP95() != null) {
            r.sloMillis = (double) slo.firstTokenP95().toMillis();
            r.latencyForSlo = n.hasNonNull("first_token_ms") ? n.get("first_token_ms").asLong() : null;
        } else if (slo != null && slo.totalP95() != null) {
            r.sloMillis = (double) slo.totalP95().toMillis();
            r.latencyForSlo = n.hasNonNull("ms") ? n.get("ms").asLong() : null;
        }
        return r;
    }

    private SloSpec slo(String route, Integer rule) {
        if (route == null || rule == null) {
            return null;
        }
        for (RouteSpec rs : spec.routes()) {
            if (rs.name().equals(route) && rule >= 0 && rule < rs.rules().size()) {
                SloSpec s = rs.rules().get(rule).slo();
                return s.isEmpty() ? null : s;
            }
        }
        return null;
    }

    void add(Record r) {
        first = first == null || r.time.isBefore(first) ? r.time : first;
        last = last == null || r.time.isAfter(last) ? r.time : last;
        List<String> key = new ArrayList<>();
        for (By b : by) {
            key.add(switch (b) {
                case TENANT -> r.tenant;
                case ROUTE -> r.route == null ? "(none)" : r.route;
                case BACKEND -> r.backend == null ? "(none)" : r.backend;
                case DAY -> LocalDate.ofInstant(r.time, zone).toString();
            });
        }
        groups.computeIfAbsent(key, k -> new Figures()).add(r, spec);
        total.add(r, spec);
    }

    public Map<List<String>, Figures> groups() {
        return groups;
    }

    public Figures total() {
        return total;
    }

    public List<By> by() {
        return by;
    }

    public GatewaySpec spec() {
        return spec;
    }

    /** Lines that were not audit records. */
    public long skipped() {
        return skipped;
    }

    public Instant first() {
        return first;
    }

    public Instant last() {
        return last;
    }

    /** The currency of the prices (the backends'), for labels. */
    public String currency() {
        return spec.backends().stream().filter(b -> b.price().inputPerMtok() > 0 || b.price().outputPerMtok() > 0)
                .map(b -> b.price().currency()).findFirst().orElse(spec.backends().get(0).price().currency());
    }

    /** External backends first: "all on the hosted model" is the first comparison a reader looks for. */
    public List<BackendSpec> comparisons() {
        List<BackendSpec> out = new ArrayList<>(spec.backends().stream()
                .filter(b -> b.residency() == Residency.EXTERNAL).toList());
        out.addAll(spec.backends().stream().filter(b -> b.residency() == Residency.INTERNAL).toList());
        return out;
    }
}
