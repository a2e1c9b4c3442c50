package dev.switchboard.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.core.compliance.CustomPattern;
import dev.switchboard.core.compliance.Detectors;
import dev.switchboard.core.compliance.KeywordList;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a YAML config into a validated {@link GatewaySpec}. Every error carries the exact field path, and all
 * errors are reported together in one {@link ConfigException}.
 */
public final class ConfigLoader {
    private static final YAMLMapper YAML = new YAMLMapper();

    private final Function<String, String> env;

    private ConfigLoader(Function<String, String> env) {
        this.env = env;
    }

    /** A loader that resolves {@code ${env:NAME}} from the process environment. */
    public static ConfigLoader withSystemEnv() {
        return new ConfigLoader(System::getenv);
    }

    /** A loader that resolves {@code ${env:NAME}} with the given lookup (returns null when unset). */
    public static ConfigLoader withEnv(Function<String, String> env) {
        return new ConfigLoader(env);
    }

    public GatewaySpec load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of(new ConfigError("", "cannot read file: " + e)));
        }
        return parse(text, file.toString());
    }

    public GatewaySpec parse(String yaml, String source) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            throw new ConfigException(source, List.of(new ConfigError("", "not valid YAML" + where + ": "
                    + e.getOriginalMessage())));
        }
        List<ConfigError> errors = new ArrayList<>();
        ConfigNode top = new ConfigNode("", root, new ConfigNode.Context(errors, env));
        if (!top.isObject()) {
            throw new ConfigException(source, List.of(new ConfigError("", "expected a mapping with backends and routes")));
        }
        top.allowOnly(Set.of("server", "backends", "routes", "budgets", "audit", "resilience", "compliance",
                "cache", "rate-limits", "state", "telemetry", "alerts", "quotas"));
        ServerSpec server = server(top.get("server"));
        ConfigNode resilience = top.get("resilience");
        resilience.allowOnly(Set.of("circuit-breaker", "retry", "overload"));
        BreakerSpec breakerDefaults = breaker(resilience.get("circuit-breaker"), BreakerSpec.DEFAULTS);
        RetrySpec retry = retry(resilience.get("retry"));
        OverloadSpec overload = overload(resilience.get("overload"), true);
        List<BackendSpec> backends = backends(top.get("backends"), breakerDefaults);
        List<RouteSpec> routes = routes(top.get("routes"), backends);
        List<BudgetSpec> budgets = budgets(top.get("budgets"), backends);
        AuditSpec audit = audit(top.get("audit"));
        ComplianceSpec compliance = compliance(top.get("compliance"));
        CacheSpec cache = cache(top.get("cache"));
        List<RateLimitSpec> rateLimits = new ArrayList<>();
        Set<String> limited = new HashSet<>();
        for (ConfigNode r : top.get("rate-limits").items()) {
            r.allowOnly(Set.of("tenant", "requests-per-second", "burst"));
            String tenant = r.get("tenant").requiredString();
            if (!tenant.isEmpty() && !limited.add(tenant)) {
                r.get("tenant").error("duplicate rate limit for tenant '" + tenant + "'");
            }
            double rps = r.get("requests-per-second").number(10, 0.001);
            int burst = (int) r.get("burst").integer(Math.max(1, (long) Math.ceil(rps)), 1, 1_000_000);
            rateLimits.add(new RateLimitSpec(tenant, rps, burst));
        }
        StateSpec state = state(top.get("state"));
        TelemetrySpec telemetry = telemetry(top.get("telemetry"));
        AlertsSpec alerts = alerts(top.get("alerts"));
        List<QuotaSpec> quotas = new ArrayList<>(quotas(top.get("quotas"), backends));
        server.auth().keys().stream().filter(k -> k.quota() != null).forEach(k -> quotas.add(k.quota()));
        Set<String> routeNames = new HashSet<>();
        routes.forEach(r -> routeNames.add(r.name()));
        List<AuthSpec.ClientKey> clientKeys = server.auth().keys();
        if (clientKeys.stream().anyMatch(k -> !k.routes().isEmpty())) {
            List<ConfigNode> keyNodes = top.get("server").get("auth").get("keys").items();
            for (int i = 0; i < keyNodes.size() && i < clientKeys.size(); i++) {
                for (String r : clientKeys.get(i).routes()) {
                    if (!routeNames.contains(r)) {
                        keyNodes.get(i).get("routes").error("'" + r + "' is not a route (expected one of: "
                                + String.join(", ", new java.util.TreeSet<>(routeNames)) + ")");
                    }
                }
            }
        }
        if (cache.shared() && state.store() == StateSpec.Store.MEMORY) {
            top.get("cache").get("shared").error("a shared cache needs 'state: { store: redis }'");
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(source, errors);
        }
        return new GatewaySpec(server, backends, routes, budgets, audit, retry, compliance, cache, rateLimits,
                state, overload, telemetry, alerts, quotas);
    }

    /** {@code quotas: [ { tenant: T | backend: B, tokens-per-minute: N, tokens-per-day: N } ]}. */
    private static List<QuotaSpec> quotas(ConfigNode list, List<BackendSpec> backends) {
        List<QuotaSpec> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ConfigNode n : list.items()) {
            if (!n.isObject()) {
                n.error("expected a mapping");
                continue;
            }
            n.allowOnly(Set.of("tenant", "backend", "tokens-per-minute", "tokens-per-day"));
            boolean tenant = !n.get("tenant").isMissing();
            boolean backend = !n.get("backend").isMissing();
            if (tenant == backend) {
                n.error("expected either 'tenant' or 'backend' (whose tokens the quota counts)");
                continue;
            }
            String name = (tenant ? n.get("tenant") : n.get("backend")).requiredString();
            if (backend && backends.stream().noneMatch(b -> b.name().equals(name))) {
                n.get("backend").error("'" + name + "' is not a backend");
            }
            if (!seen.add((tenant ? "t:" : "b:") + name)) {
                n.error("a second quota for " + (tenant ? "tenant" : "backend") + " '" + name + "'");
            }
            long perMinute = n.get("tokens-per-minute").integer(0, 0, Long.MAX_VALUE);
            long perDay = n.get("tokens-per-day").integer(0, 0, Long.MAX_VALUE);
            if (perMinute == 0 && perDay == 0) {
                n.error("expected tokens-per-minute and/or tokens-per-day");
            }
            out.add(new QuotaSpec(tenant ? QuotaSpec.Scope.TENANT : QuotaSpec.Scope.BACKEND, name, perMinute,
                    perDay));
        }
        return out;
    }

    /** {@code alerts: { webhook: { url, secret, timeout: 5s, attempts: 5 } }}. */
    private static AlertsSpec alerts(ConfigNode n) {
        if (n.isMissing()) {
            return AlertsSpec.NONE;
        }
        n.allowOnly(Set.of("webhook"));
        ConfigNode w = n.get("webhook");
        if (w.isMissing()) {
            return AlertsSpec.NONE;
        }
        w.allowOnly(Set.of("url", "secret", "timeout", "attempts"));
        String url = w.get("url").requiredString();
        java.net.URI uri = null;
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
            w.get("url").error("'" + url + "' (expected an http:// or https:// URL)");
        } else {
            try {
                uri = java.net.URI.create(url);
            } catch (IllegalArgumentException e) {
                w.get("url").error("'" + url + "' (expected a URL)");
            }
        }
        String secret = w.get("secret").requiredString();
        if (!secret.isEmpty() && secret.length() < 16) {
            w.get("secret").error("too short (expected at least 16 characters: it signs the alerts)");
        }
        java.time.Duration timeout = positive(w.get("timeout"), java.time.Duration.ofSeconds(5));
        int attempts = (int) w.get("attempts").integer(5, 1, 20);
        return uri == null ? AlertsSpec.NONE
                : new AlertsSpec(new AlertsSpec.Webhook(uri, Secret.of(secret), timeout, attempts));
    }

    private static TelemetrySpec telemetry(ConfigNode n) {
        if (n.isMissing()) {
            return TelemetrySpec.DEFAULTS;
        }
        n.allowOnly(Set.of("traces", "access-log"));
        return new TelemetrySpec(traces(n.get("traces")), accessLog(n.get("access-log")));
    }

    /** {@code access-log: stdout}, {@code access-log: ./access.jsonl} or {@code access-log: { path: ... }}. */
    private static TelemetrySpec.AccessLog accessLog(ConfigNode n) {
        if (n.isMissing()) {
            return TelemetrySpec.AccessLog.OFF;
        }
        ConfigNode path = n;
        if (n.isObject()) {
            n.allowOnly(Set.of("path", "enabled"));
            if (!n.get("enabled").bool(true)) {
                return TelemetrySpec.AccessLog.OFF;
            }
            path = n.get("path");
        }
        String where = path.string("stdout").trim();
        if (where.isEmpty()) {
            path.error("empty (expected stdout or a file path)");
            return TelemetrySpec.AccessLog.OFF;
        }
        return where.equals("stdout") || where.equals("-") ? TelemetrySpec.AccessLog.STDOUT
                : new TelemetrySpec.AccessLog(true, java.nio.file.Path.of(where));
    }

    private static TelemetrySpec.Traces traces(ConfigNode t) {
        if (t.isMissing()) {
            return TelemetrySpec.Traces.OFF;
        }
        t.allowOnly(Set.of("exporter", "endpoint", "protocol", "headers", "sample-ratio", "service-name"));
        TelemetrySpec.Traces off = TelemetrySpec.Traces.OFF;
        TelemetrySpec.Exporter exporter = t.get("exporter").enumValue(TelemetrySpec.Exporter.class, off.exporter());
        String endpoint = t.get("endpoint").string("");
        if (!endpoint.isEmpty() && !endpoint.startsWith("http://") && !endpoint.startsWith("https://")) {
            t.get("endpoint").error("'" + endpoint + "' (expected an http:// or https:// URL)");
        }
        TelemetrySpec.Protocol protocol = off.protocol();
        String p = t.get("protocol").string("");
        if (!p.isEmpty()) {
            protocol = null;
            for (TelemetrySpec.Protocol candidate : TelemetrySpec.Protocol.values()) {
                protocol = candidate.wire().equals(p.trim()) ? candidate : protocol;
            }
            if (protocol == null) {
                t.get("protocol").error("'" + p + "' (expected one of: grpc, http/protobuf)");
                protocol = off.protocol();
            }
        }
        Map<String, Secret> headers = new LinkedHashMap<>();
        ConfigNode h = t.get("headers");
        if (!h.isMissing() && !h.isObject()) {
            h.error("expected a mapping of header names to values");
        }
        for (Map.Entry<String, ConfigNode> e : h.entries()) {
            headers.put(e.getKey(), Secret.of(e.getValue().requiredString()));
        }
        double ratio = t.get("sample-ratio").number(off.sampleRatio(), 0);
        if (ratio > 1) {
            t.get("sample-ratio").error(ratio + " (expected: from 0 to 1)");
        }
        String service = t.get("service-name").string(off.serviceName());
        return new TelemetrySpec.Traces(exporter, endpoint.isEmpty() ? null : endpoint, protocol, headers, ratio,
                service);
    }

    private static ServerSpec server(ConfigNode n) {
        ServerSpec d = ServerSpec.DEFAULTS;
        if (n.isMissing()) {
            return d;
        }
        n.allowOnly(Set.of("listen", "admin", "max-body-size", "read-timeout", "auth", "shutdown-grace",
                "max-connections", "request-deadline", "max-connections-per-client", "admin-auth", "drain-delay"));
        long maxBody = n.get("max-body-size").bytes(d.maxBodyBytes());
        if (maxBody < 1024) {
            n.get("max-body-size").error(maxBody + " bytes (expected: at least 1KiB)");
        }
        if (n.get("request-deadline").duration(d.requestDeadline()).isZero()) {
            n.get("request-deadline").error("0 (expected: a positive duration such as 10s)");
        }
        String adminKey = null;
        ConfigNode adminAuth = n.get("admin-auth");
        if (!adminAuth.isMissing()) {
            adminAuth.allowOnly(Set.of("sha256"));
            adminKey = adminAuth.get("sha256").requiredString().toLowerCase(Locale.ROOT);
            if (!adminKey.matches("[0-9a-f]{64}")) {
                adminAuth.get("sha256").error("expected the 64 hex digits printed by `switchboard hash-key`");
                adminKey = null;
            }
        }
        ServerSpec.HostPort admin = hostPort(n.get("admin"), d.admin());
        if (adminKey == null && adminAuth.isMissing() && !ServerSpec.loopback(admin.host())) {
            // The console and the admin API show and change what the gateway does: beyond this machine, only
            // with a key.
            n.get("admin").error("'" + admin + "' listens beyond loopback: set server.admin-auth.sha256 (the hash "
                    + "of an admin key, from `switchboard hash-key`), or keep the admin port on 127.0.0.1");
        }
        java.time.Duration grace = n.get("shutdown-grace").duration(d.shutdownGrace());
        return new ServerSpec(hostPort(n.get("listen"), d.listen()), hostPort(n.get("admin"), d.admin()),
                maxBody, n.get("read-timeout").duration(d.readTimeout()), auth(n.get("auth")), grace,
                (int) n.get("max-connections").integer(d.maxConnections(), 1, 1_000_000),
                n.get("request-deadline").duration(d.requestDeadline()),
                (int) n.get("max-connections-per-client").integer(d.maxConnectionsPerClient(), 0, 1_000_000),
                adminKey, drainDelay(n.get("drain-delay"), d.drainDelay(), grace));
    }

    private static String seconds(java.time.Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** The drain delay comes out of the shutdown grace: it cannot be longer. */
    private static java.time.Duration drainDelay(ConfigNode n, java.time.Duration byDefault,
            java.time.Duration grace) {
        java.time.Duration delay = n.duration(byDefault);
        if (delay.compareTo(grace) > 0) {
            n.error(seconds(delay) + " is longer than server.shutdown-grace (" + seconds(grace)
                    + "), which it is part of");
        }
        return delay;
    }

    private static AuthSpec auth(ConfigNode n) {
        if (n.isMissing()) {
            return ServerSpec.DEFAULTS.auth();
        }
        n.allowOnly(Set.of("mode", "keys"));
        String mode = n.get("mode").string("keys");
        if (!mode.equals("keys") && !mode.equals("open")) {
            n.get("mode").error("'" + mode + "' (expected one of: keys, open)");
        }
        List<AuthSpec.ClientKey> keys = new ArrayList<>();
        Set<String> hashes = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode k : n.get("keys").items()) {
            k.allowOnly(Set.of("tenant", "sha256", "expires", "routes", "name", "quota"));
            String tenant = k.get("tenant").requiredString();
            String hash = k.get("sha256").requiredString().toLowerCase(Locale.ROOT);
            if (!hash.isEmpty() && !hash.matches("[0-9a-f]{64}")) {
                k.get("sha256").error("expected the 64 hex digits printed by `switchboard hash-key`");
            } else if (!hash.isEmpty() && !hashes.add(hash)) {
                k.get("sha256").error("the same key is listed twice");
            }
            java.time.Instant expires = null;
            String e = k.get("expires").string("");
            if (!e.isEmpty()) {
                try {
                    // A date: the key works through that day (UTC); an instant: until then.
                    expires = e.length() == 10 ? java.time.LocalDate.parse(e).plusDays(1)
                            .atStartOfDay(java.time.ZoneOffset.UTC).toInstant() : java.time.Instant.parse(e);
                } catch (java.time.format.DateTimeParseException bad) {
                    k.get("expires").error("'" + e + "' (expected a date such as 2027-06-30, or an instant such as "
                            + "2027-06-30T18:00:00Z)");
                }
            }
            List<String> routes = new ArrayList<>();
            for (ConfigNode r : k.get("routes").items()) {
                routes.add(r.requiredString());
            }
            String name = k.get("name").string("");
            if (name.isEmpty()) {
                name = tenant + "#" + (keys.size() + 1); // its place in the list: never the key or its hash
            }
            if (!names.add(name)) {
                (k.get("name").isMissing() ? k : k.get("name")).error("'" + name + "' names another key too");
            }
            QuotaSpec quota = null;
            ConfigNode q = k.get("quota");
            if (!q.isMissing()) {
                q.allowOnly(Set.of("tokens-per-minute", "tokens-per-day"));
                long perMinute = q.get("tokens-per-minute").integer(0, 0, Long.MAX_VALUE);
                long perDay = q.get("tokens-per-day").integer(0, 0, Long.MAX_VALUE);
                if (perMinute == 0 && perDay == 0) {
                    q.error("expected tokens-per-minute and/or tokens-per-day");
                } else {
                    quota = new QuotaSpec(QuotaSpec.Scope.KEY, name, perMinute, perDay);
                }
            }
            keys.add(new AuthSpec.ClientKey(tenant, hash, expires, routes, name, quota));
        }
        return new AuthSpec(mode.equals("open"), keys);
    }

    private static ServerSpec.HostPort hostPort(ConfigNode n, ServerSpec.HostPort d) {
        String s = n.string(null);
        if (s == null) {
            return d;
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            n.error("'" + s + "' (expected: host:port)");
            return d;
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            if (port < 0 || port > 65535) {
                n.error("port " + port + " (expected: 0..65535)");
                return d;
            }
            return new ServerSpec.HostPort(s.substring(0, colon), port);
        } catch (NumberFormatException e) {
            n.error("'" + s + "' (expected: host:port)");
            return d;
        }
    }

    private static BreakerSpec breaker(ConfigNode n, BreakerSpec d) {
        if (n.isMissing()) {
            return d;
        }
        n.allowOnly(Set.of("failure-rate", "slow-call-rate", "slow-call", "window", "minimum-calls", "open-for",
                "half-open-calls"));
        return new BreakerSpec(percent(n.get("failure-rate"), d.failureRate()),
                percent(n.get("slow-call-rate"), d.slowCallRate()), positive(n.get("slow-call"), d.slowCall()),
                (int) n.get("window").integer(d.window(), 1, 100_000),
                (int) n.get("minimum-calls").integer(d.minimumCalls(), 1, 100_000),
                positive(n.get("open-for"), d.openFor()),
                (int) n.get("half-open-calls").integer(d.halfOpenCalls(), 1, 10_000));
    }

    private static float percent(ConfigNode n, float d) {
        String s = n.string(null);
        if (s == null) {
            return d;
        }
        String t = s.trim().endsWith("%") ? s.trim().substring(0, s.trim().length() - 1) : s.trim();
        try {
            float v = Float.parseFloat(t);
            if (v <= 0 || v > 100) {
                n.error("'" + s + "' (expected: a percentage in (0, 100], such as 50%)");
                return d;
            }
            return v;
        } catch (NumberFormatException e) {
            n.error("'" + s + "' (expected: a percentage such as 50%)");
            return d;
        }
    }

    /** {@code hedge: { after: 800ms }} or {@code hedge: { after: p95 }} (the live first-token p95, else 1s). */
    private static HedgeSpec hedge(ConfigNode n) {
        if (n.isMissing()) {
            return HedgeSpec.NONE;
        }
        n.allowOnly(Set.of("after"));
        String after = n.get("after").requiredString();
        if (after.equalsIgnoreCase("p95")) {
            return new HedgeSpec(Duration.ofSeconds(1), true);
        }
        java.util.Optional<Duration> d = Durations.parse(after);
        if (d.isEmpty() || d.get().isZero()) {
            n.get("after").error("'" + after + "' (expected: a positive duration such as 800ms, or p95)");
            return HedgeSpec.NONE;
        }
        return new HedgeSpec(d.get(), false);
    }

    /** {@code atGateway}: the gateway's own limit, the only one the sidecar's edge ({@code max-queue-delay}) reads. */
    private static OverloadSpec overload(ConfigNode n, boolean atGateway) {
        OverloadSpec d = OverloadSpec.OFF;
        if (n.isMissing()) {
            return d;
        }
        n.allowOnly(atGateway ? Set.of("limit", "initial", "min", "max", "max-queue-delay")
                : Set.of("limit", "initial", "min", "max"));
        java.time.Duration queueDelay = n.get("max-queue-delay").duration(d.maxQueueDelay());
        OverloadSpec.Mode mode = n.get("limit").enumValue(OverloadSpec.Mode.class, OverloadSpec.Mode.ADAPTIVE);
        int min = (int) n.get("min").integer(d.min(), 1, 1_000_000);
        int max = (int) n.get("max").integer(d.max(), 1, 1_000_000);
        int initial = (int) n.get("initial").integer(Math.max(min, Math.min(max, d.initial())), 1, 1_000_000);
        if (mode == OverloadSpec.Mode.FIXED) {
            return new OverloadSpec(mode, initial, initial, initial, queueDelay); // min and max do not apply
        }
        if (min > max) {
            n.get("min").error(min + " (expected: at most max, " + max + ")");
        } else if (initial < min || initial > max) {
            n.get("initial").error(initial + " (expected: between min " + min + " and max " + max + ")");
        }
        return new OverloadSpec(mode, initial, min, max, queueDelay);
    }

    private static RetrySpec retry(ConfigNode n) {
        RetrySpec d = RetrySpec.DEFAULTS;
        if (n.isMissing()) {
            return d;
        }
        n.allowOnly(Set.of("attempts", "backoff", "max-retry-after", "same-backend-on"));
        int attempts = (int) n.get("attempts").integer(d.attempts(), 1, 10);
        Duration min = d.backoffMin();
        Duration max = d.backoffMax();
        String backoff = n.get("backoff").string(null);
        if (backoff != null) {
            String[] parts = backoff.split("\\.\\.");
            java.util.Optional<Duration> lo = Durations.parse(parts[0]);
            java.util.Optional<Duration> hi = parts.length == 2 ? Durations.parse(parts[1]) : lo;
            if (parts.length > 2 || lo.isEmpty() || hi.isEmpty() || hi.get().compareTo(lo.get()) < 0) {
                n.get("backoff").error("'" + backoff + "' (expected: MIN..MAX such as 100ms..2s)");
            } else {
                min = lo.get();
                max = hi.get();
            }
        }
        Set<FailureClass> same = d.sameBackendOn();
        ConfigNode on = n.get("same-backend-on");
        if (!on.isMissing()) {
            java.util.EnumSet<FailureClass> chosen = java.util.EnumSet.noneOf(FailureClass.class);
            if (on.isArray()) {
                for (ConfigNode item : on.items()) {
                    FailureClass c = item.enumValue(FailureClass.class, null);
                    if (c != null) {
                        chosen.add(c);
                    }
                }
            } else {
                on.error("expected a list such as [connect, server-error, rate-limited, broken, timeout]");
            }
            same = chosen;
        }
        return new RetrySpec(attempts, min, max, n.get("max-retry-after").duration(d.maxRetryAfter()), same);
    }

    private static List<BackendSpec> backends(ConfigNode list, BreakerSpec breakerDefaults) {
        if (list.isMissing() || list.isArray() && list.items().isEmpty()) {
            list.error("required (at least one backend)");
        }
        List<BackendSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode n : list.items()) {
            if (!n.isObject()) {
                n.error("expected a mapping");
                continue;
            }
            n.allowOnly(Set.of("name", "provider", "base-url", "api-key", "model", "residency", "price", "limits",
                    "token-factor", "max-output-tokens", "expected", "circuit-breaker", "upstream-streaming",
                    "overload"));
            String name = n.get("name").requiredString();
            if (!name.isEmpty() && !names.add(name)) {
                n.get("name").error("duplicate backend '" + name + "'");
            }
            Provider provider = n.get("provider").enumValue(Provider.class, Provider.OPENAI);
            String baseUrl = baseUrl(n.get("base-url"));
            Secret key = Secret.of(n.get("api-key").string(""));
            String model = n.get("model").requiredString();
            ConfigNode residencyNode = n.get("residency");
            if (residencyNode.isMissing()) {
                residencyNode.error("required (internal or external): every backend must say where data goes");
            }
            Residency residency = residencyNode.enumValue(Residency.class, Residency.EXTERNAL);
            double tokenFactor = n.get("token-factor").number(1.0, 0.01);
            int maxOutput = (int) n.get("max-output-tokens").integer(4096, 1, 10_000_000);
            out.add(new BackendSpec(name, provider, baseUrl, key, model, residency, price(n.get("price")),
                    limits(n.get("limits")), tokenFactor, maxOutput, prior(n.get("expected")),
                    breaker(n.get("circuit-breaker"), breakerDefaults),
                    n.get("upstream-streaming").enumValue(UpstreamStreaming.class, UpstreamStreaming.NEVER),
                    overload(n.get("overload"), false)));
        }
        return out;
    }

    private static String baseUrl(ConfigNode n) {
        String s = n.requiredString();
        if (s.isEmpty()) {
            return s;
        }
        try {
            URI uri = new URI(s);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                n.error("'" + s + "' (expected: an http or https URL such as https://api.example.com/v1)");
            }
        } catch (URISyntaxException e) {
            n.error("'" + s + "' is not a URL: " + e.getReason());
        }
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    private static LatencyPrior prior(ConfigNode n) {
        if (n.isMissing()) {
            return LatencyPrior.UNKNOWN;
        }
        n.allowOnly(Set.of("first-token", "tokens-per-second"));
        Duration first = n.get("first-token").isMissing() ? null : positive(n.get("first-token"), Duration.ofSeconds(1));
        return new LatencyPrior(first, n.get("tokens-per-second").number(0, 0));
    }

    private static PriceSpec price(ConfigNode n) {
        if (n.isMissing()) {
            return PriceSpec.FREE;
        }
        n.allowOnly(Set.of("input-per-mtok", "output-per-mtok", "currency"));
        String currency = n.get("currency").string("USD").trim().toUpperCase(Locale.ROOT);
        if (!currency.matches("[A-Z]{3}")) {
            n.get("currency").error("'" + currency + "' (expected: a three-letter currency code such as CNY)");
        }
        return new PriceSpec(n.get("input-per-mtok").number(0, 0), n.get("output-per-mtok").number(0, 0), currency);
    }

    private static LimitsSpec limits(ConfigNode n) {
        LimitsSpec d = LimitsSpec.DEFAULTS;
        if (n.isMissing()) {
            return d;
        }
        n.allowOnly(Set.of("max-concurrency", "connect-timeout", "first-token-timeout", "idle-timeout",
                "total-timeout", "min-tokens-per-second"));
        boolean declared = !n.get("max-concurrency").isMissing();
        return new LimitsSpec((int) n.get("max-concurrency").integer(d.maxConcurrency(), 1, 1_000_000),
                positive(n.get("connect-timeout"), d.connectTimeout()),
                positive(n.get("first-token-timeout"), d.firstTokenTimeout()),
                positive(n.get("idle-timeout"), d.idleTimeout()),
                positive(n.get("total-timeout"), d.totalTimeout()),
                n.get("min-tokens-per-second").number(0, 0), declared);
    }

    private static Duration positive(ConfigNode n, Duration d) {
        Duration v = n.duration(d);
        if (v.isZero() || v.isNegative()) {
            n.error(n.string("") + " (expected: > 0)");
            return d;
        }
        return v;
    }

    private static List<RouteSpec> routes(ConfigNode list, List<BackendSpec> backends) {
        if (list.isMissing() || list.isArray() && list.items().isEmpty()) {
            list.error("required (at least one route)");
        }
        Set<String> backendNames = new HashSet<>();
        backends.forEach(b -> backendNames.add(b.name()));
        Map<String, String> aliasOwner = new HashMap<>();
        List<RouteSpec> out = new ArrayList<>();
        for (ConfigNode n : list.items()) {
            if (!n.isObject()) {
                n.error("expected a mapping");
                continue;
            }
            n.allowOnly(Set.of("name", "aliases", "rules", "expected-output-tokens", "cache"));
            String name = n.get("name").requiredString();
            List<String> aliases = n.get("aliases").stringOrList();
            List<String> all = new ArrayList<>(aliases);
            all.add(0, name);
            for (int i = 0; i < all.size(); i++) {
                String alias = all.get(i);
                if (alias.isEmpty()) {
                    continue;
                }
                String previous = aliasOwner.putIfAbsent(alias, name);
                if (previous != null) {
                    ConfigNode at = i == 0 ? n.get("name") : n.get("aliases");
                    at.error("model name '" + alias + "' is already used by route '" + previous + "'");
                }
            }
            ConfigNode rulesNode = n.get("rules");
            if (rulesNode.isMissing() || rulesNode.isArray() && rulesNode.items().isEmpty()) {
                rulesNode.error("required (at least one rule)");
            }
            List<RuleSpec> rules = new ArrayList<>();
            for (ConfigNode r : rulesNode.items()) {
                rules.add(rule(r, backendNames));
            }
            int expectedOutput = (int) n.get("expected-output-tokens").integer(256, 1, 10_000_000);
            out.add(new RouteSpec(name, aliases, rules, expectedOutput, routeCache(n.get("cache"))));
        }
        return out;
    }

    private static RuleSpec rule(ConfigNode n, Set<String> backendNames) {
        if (!n.isObject()) {
            n.error("expected a mapping");
            return new RuleSpec(new ConditionSpec.Always(), List.of(), StrategyKind.PRIORITY, "", SloSpec.NONE,
                    HedgeSpec.NONE);
        }
        n.allowOnly(Set.of("when", "use", "strategy", "reason", "slo", "hedge"));
        ConfigNode whenNode = n.get("when");
        ConditionSpec when = whenNode.isMissing() ? new ConditionSpec.Always() : condition(whenNode);
        StrategyKind strategy = n.get("strategy").enumValue(StrategyKind.class, StrategyKind.PRIORITY);
        ConfigNode useNode = n.get("use");
        List<RuleSpec.WeightedBackend> use = new ArrayList<>();
        if (useNode.isMissing()) {
            useNode.error("required (the backends this rule may use)");
        } else if (!useNode.isArray()) {
            useNode.error("expected a list of backend names");
        }
        Set<String> seen = new HashSet<>();
        for (ConfigNode u : useNode.items()) {
            String backend;
            int weight = 1;
            if (u.isObject()) {
                u.allowOnly(Set.of("backend", "weight"));
                backend = u.get("backend").requiredString();
                weight = (int) u.get("weight").integer(1, 0, 1_000_000);
            } else {
                backend = u.requiredString();
            }
            if (backend.isEmpty()) {
                continue;
            }
            if (!backendNames.contains(backend)) {
                u.error("unknown backend '" + backend + "'");
            } else if (!seen.add(backend)) {
                u.error("backend '" + backend + "' is listed twice");
            }
            use.add(new RuleSpec.WeightedBackend(backend, weight));
        }
        if (strategy == StrategyKind.WEIGHTED && !use.isEmpty()
                && use.stream().mapToInt(RuleSpec.WeightedBackend::weight).sum() == 0) {
            useNode.error("weights are all 0 (expected: at least one weight > 0)");
        }
        SloSpec slo = slo(n.get("slo"));
        if (strategy == StrategyKind.CHEAPEST_WITHIN_SLO && slo.isEmpty()) {
            n.get("slo").error("required by strategy cheapest-within-slo (first-token-p95 and/or total-p95)");
        }
        return new RuleSpec(when, use, strategy, n.get("reason").string(""), slo, hedge(n.get("hedge")));
    }

    private static SloSpec slo(ConfigNode n) {
        if (n.isMissing()) {
            return SloSpec.NONE;
        }
        n.allowOnly(Set.of("first-token-p95", "total-p95"));
        Duration first = n.get("first-token-p95").isMissing() ? null
                : positive(n.get("first-token-p95"), Duration.ofSeconds(1));
        Duration total = n.get("total-p95").isMissing() ? null : positive(n.get("total-p95"), Duration.ofSeconds(1));
        if (first == null && total == null) {
            n.error("expected first-token-p95 and/or total-p95");
        }
        return new SloSpec(first, total);
    }

    private static List<BudgetSpec> budgets(ConfigNode list, List<BackendSpec> backends) {
        List<BudgetSpec> out = new ArrayList<>();
        Set<String> tenants = new HashSet<>();
        Set<String> priced = new HashSet<>();
        backends.stream().filter(b -> b.price().inputPerMtok() > 0 || b.price().outputPerMtok() > 0)
                .forEach(b -> priced.add(b.price().currency()));
        for (ConfigNode n : list.items()) {
            if (!n.isObject()) {
                n.error("expected a mapping");
                continue;
            }
            n.allowOnly(Set.of("tenant", "group", "parent", "limit", "daily", "weekly", "monthly", "currency",
                    "when-exhausted", "zone", "alerts"));
            boolean group = !n.get("group").isMissing();
            if (group == !n.get("tenant").isMissing()) {
                n.error("expected either 'tenant' (an application's budget) or 'group' (a bank's, a department's, "
                        + "a team's, above tenants)");
                continue;
            }
            String tenant = group ? BudgetSpec.GROUP + n.get("group").requiredString()
                    : n.get("tenant").requiredString();
            String parent = n.get("parent").isMissing() ? null : BudgetSpec.GROUP + n.get("parent").requiredString();
            if (!tenant.isEmpty() && !tenants.add(tenant)) {
                n.get("tenant").error("duplicate budget for tenant '" + tenant + "'");
            }
            String currency = n.get("currency").string("").trim().toUpperCase(Locale.ROOT);
            java.math.BigDecimal daily = amount(n.get("daily"));
            java.math.BigDecimal monthly = amount(n.get("monthly"));
            java.math.BigDecimal weekly = amount(n.get("weekly"));
            ConfigNode limitNode = n.get("limit");
            List<ConfigNode> limits = limitNode.isArray() ? limitNode.items()
                    : limitNode.isMissing() ? List.of() : List.of(limitNode);
            for (ConfigNode l : limits) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "\\s*(\\d+(?:\\.\\d+)?)\\s*([A-Za-z]{3})\\s*/\\s*(day|week|month)\\s*").matcher(l.string(""));
                if (!m.matches()) {
                    l.error("'" + l.string("") + "' (expected e.g. 500 CNY/day, 3000 CNY/week or 10000 CNY/month)");
                    continue;
                }
                String cur = m.group(2).toUpperCase(Locale.ROOT);
                if (!currency.isEmpty() && !currency.equals(cur)) {
                    l.error("currency " + cur + " differs from " + currency);
                }
                currency = cur;
                if (m.group(3).equals("day")) {
                    daily = new java.math.BigDecimal(m.group(1));
                } else if (m.group(3).equals("week")) {
                    weekly = new java.math.BigDecimal(m.group(1));
                } else {
                    monthly = new java.math.BigDecimal(m.group(1));
                }
            }
            if (daily == null && weekly == null && monthly == null && (group || parent == null)) {
                n.error("expected a limit: 'limit: 500 CNY/day', or daily/weekly/monthly amounts with a currency");
            }
            if (currency.isEmpty()) {
                currency = priced.size() == 1 ? priced.iterator().next() : "";
                if (currency.isEmpty()) {
                    n.get("currency").error("required (the currency of the limits)");
                }
            } else if (!currency.matches("[A-Z]{3}")) {
                n.get("currency").error("'" + currency + "' (expected: a three-letter currency code such as CNY)");
            }
            for (String p : priced) {
                if (!currency.isEmpty() && !p.equals(currency)) {
                    n.get("currency").error("budget in " + currency + " but backends are priced in " + p
                            + " (no exchange rates: price every backend in the budget's currency)");
                    break;
                }
            }
            BudgetSpec.WhenExhausted when = n.get("when-exhausted").enumValue(BudgetSpec.WhenExhausted.class,
                    BudgetSpec.WhenExhausted.REJECT);
            java.time.ZoneId zone = zone(n.get("zone"));
            List<Double> alerts = new ArrayList<>();
            for (ConfigNode a : n.get("alerts").items()) {
                alerts.add(percent(a, 100f) / 100.0); // 50% -> 0.5
            }
            out.add(new BudgetSpec(tenant, daily, monthly, currency.isEmpty() ? "USD" : currency, when, zone,
                    alerts, parent, weekly));
        }
        // Every parent is a group in the list, and following parents never comes back (a tree, not a loop).
        Map<String, String> parents = new HashMap<>();
        out.forEach(b -> parents.put(b.tenant(), b.parent()));
        List<ConfigNode> nodes = list.items();
        for (int i = 0; i < out.size() && i < nodes.size(); i++) {
            BudgetSpec b = out.get(i);
            if (b.parent() == null) {
                continue;
            }
            if (!parents.containsKey(b.parent())) {
                nodes.get(i).get("parent").error("'" + b.parent().substring(1) + "' is not a group budget (expected "
                        + "a 'group:' entry of budgets)");
                continue;
            }
            Set<String> seen = new HashSet<>(List.of(b.tenant()));
            for (String p = b.parent(); p != null; p = parents.get(p)) {
                if (!seen.add(p)) {
                    nodes.get(i).get("parent").error("the parents come back to '" + p.substring(1) + "' (expected "
                            + "a tree)");
                    break;
                }
            }
        }
        return out;
    }

    private static java.math.BigDecimal amount(ConfigNode n) {
        if (n.isMissing()) {
            return null;
        }
        double v = n.number(0, 0);
        return java.math.BigDecimal.valueOf(v);
    }

    private static java.time.ZoneId zone(ConfigNode n) {
        String z = n.string("UTC");
        try {
            return java.time.ZoneId.of(z);
        } catch (java.time.DateTimeException e) {
            n.error("'" + z + "' (expected: a time zone such as Asia/Shanghai or UTC)");
            return java.time.ZoneOffset.UTC;
        }
    }

    private static CacheSpec cache(ConfigNode n) {
        CacheSpec d = CacheSpec.DISABLED;
        if (n.isMissing()) {
            return d;
        }
        n.allowOnly(Set.of("enabled", "max-size", "ttl", "only-deterministic", "scope", "max-entry-size", "shared"));
        long max = n.get("max-size").bytes(d.maxBytes());
        if (max < 1024) {
            n.get("max-size").error(max + " bytes (expected: at least 1KiB)");
        }
        long maxEntry = n.get("max-entry-size").bytes(Math.min(d.maxEntryBytes(), max));
        if (maxEntry < 1 || maxEntry > max) {
            n.get("max-entry-size").error(maxEntry + " bytes (expected: at least 1 byte and at most max-size, "
                    + max + ")");
        }
        return new CacheSpec(n.get("enabled").bool(true), max, positive(n.get("ttl"), d.ttl()),
                n.get("only-deterministic").bool(d.onlyDeterministic()),
                n.get("scope").enumValue(CacheSpec.Scope.class, d.scope()), maxEntry, n.get("shared").bool(false));
    }

    private static StateSpec state(ConfigNode n) {
        if (n.isMissing()) {
            return StateSpec.MEMORY;
        }
        n.allowOnly(Set.of("store", "redis", "when-unavailable"));
        StateSpec.Store store = n.get("store").enumValue(StateSpec.Store.class, StateSpec.Store.MEMORY);
        ConfigNode w = n.get("when-unavailable");
        w.allowOnly(Set.of("budgets", "capacity", "rate-limits"));
        StateSpec.WhenUnavailable d = StateSpec.WhenUnavailable.DEFAULTS;
        StateSpec.WhenUnavailable when = new StateSpec.WhenUnavailable(
                w.get("budgets").enumValue(StateSpec.BudgetFallback.class, d.budgets()),
                w.get("capacity").enumValue(StateSpec.CapacityFallback.class, d.capacity()),
                w.get("rate-limits").enumValue(StateSpec.RateLimitFallback.class, d.rateLimits()));
        ConfigNode r = n.get("redis");
        if (store == StateSpec.Store.MEMORY) {
            if (!r.isMissing()) {
                r.error("only with 'store: redis'");
            }
            return new StateSpec(store, null, when);
        }
        if (r.isMissing()) {
            n.get("redis").error("required with 'store: redis' (at least the uri)");
            return new StateSpec(StateSpec.Store.MEMORY, null, when);
        }
        r.allowOnly(Set.of("uri", "username", "password", "key-prefix", "timeout", "lease", "circuit-breaker"));
        String uri = r.get("uri").requiredString();
        if (!uri.isEmpty()) {
            try {
                java.net.URI u = new java.net.URI(uri);
                if (!"redis".equals(u.getScheme()) && !"rediss".equals(u.getScheme()) || u.getHost() == null) {
                    r.get("uri").error("'" + uri + "' (expected: redis://host:port or rediss://host:port)");
                } else if (u.getUserInfo() != null) {
                    r.get("uri").error("holds credentials; put them in redis.username and redis.password (for "
                            + "example ${env:REDIS_PASSWORD}) so that they never show in admin output");
                }
            } catch (java.net.URISyntaxException e) {
                r.get("uri").error("'" + uri + "' is not a URI: " + e.getReason());
            }
        }
        Duration timeout = positive(r.get("timeout"), Duration.ofMillis(250));
        Duration lease = positive(r.get("lease"), Duration.ofSeconds(30));
        if (lease.compareTo(Duration.ofSeconds(3)) < 0) {
            r.get("lease").error(lease.toMillis() + "ms (expected: at least 3s; leases are renewed every third)");
        }
        return new StateSpec(store, new StateSpec.RedisSpec(uri, r.get("username").string(""),
                Secret.of(r.get("password").string("")), r.get("key-prefix").string("switchboard:"), timeout, lease,
                breaker(r.get("circuit-breaker"), StateSpec.RedisSpec.BREAKER_DEFAULTS)), when);
    }

    private static CacheSpec.RouteCache routeCache(ConfigNode n) {
        if (n.isMissing()) {
            return CacheSpec.RouteCache.INHERIT;
        }
        n.allowOnly(Set.of("enabled", "only-deterministic"));
        Boolean enabled = n.get("enabled").isMissing() ? null : n.get("enabled").bool(true);
        Boolean deterministic = n.get("only-deterministic").isMissing() ? null
                : n.get("only-deterministic").bool(true);
        return new CacheSpec.RouteCache(enabled, deterministic);
    }

    private static ComplianceSpec compliance(ConfigNode n) {
        ComplianceSpec d = ComplianceSpec.DEFAULTS;
        if (n.isMissing()) {
            return d;
        }
        n.allowOnly(Set.of("detectors", "patterns", "keywords", "action", "restore-masked", "log-prompts", "media"));
        Set<String> detectors = new java.util.LinkedHashSet<>();
        ConfigNode dn = n.get("detectors");
        if (dn.isMissing()) {
            detectors.addAll(d.detectors());
        }
        for (ConfigNode item : dn.items()) {
            String k = item.string("");
            if (!Detectors.BUILT_IN.contains(k)) {
                item.error("'" + k + "' (expected one of: " + String.join(", ", new java.util.TreeSet<>(
                        Detectors.BUILT_IN)) + ")");
            } else {
                detectors.add(k);
            }
        }
        List<CustomPattern> patterns = new ArrayList<>();
        for (ConfigNode p : n.get("patterns").items()) {
            p.allowOnly(Set.of("name", "regex"));
            String name = p.get("name").requiredString();
            String regex = p.get("regex").requiredString();
            try {
                if (!regex.isEmpty()) {
                    patterns.add(new CustomPattern(name,
                            java.util.regex.Pattern.compile(regex)));
                }
            } catch (java.util.regex.PatternSyntaxException e) {
                p.get("regex").error("not a valid regular expression: " + e.getDescription());
            }
        }
        List<KeywordList> keywords = new ArrayList<>();
        for (ConfigNode k : n.get("keywords").items()) {
            k.allowOnly(Set.of("name", "words"));
            String name = k.get("name").requiredString();
            List<String> words = k.get("words").stringOrList();
            if (words.isEmpty()) {
                k.get("words").error("expected at least one word");
            }
            keywords.add(new KeywordList(name, words));
        }
        return new ComplianceSpec(detectors, patterns, keywords,
                n.get("action").enumValue(ComplianceSpec.Action.class, d.action()),
                n.get("restore-masked").bool(d.restoreMasked()), n.get("log-prompts").bool(d.logPrompts()),
                n.get("media").enumValue(ComplianceSpec.Media.class, d.media()));
    }

    private static AuditSpec audit(ConfigNode n) {
        if (n.isMissing()) {
            return AuditSpec.DISABLED;
        }
        n.allowOnly(Set.of("path", "max-file-size", "keep"));
        String path = n.get("path").requiredString();
        long max = n.get("max-file-size").bytes(AuditSpec.DISABLED.maxFileBytes());
        if (max < 1024) {
            n.get("max-file-size").error(max + " bytes (expected: at least 1KiB)");
        }
        int keep = (int) n.get("keep").integer(10, 1, 10_000);
        return new AuditSpec(path.isEmpty() ? null : java.nio.file.Path.of(path), max, keep);
    }

    private static ConditionSpec condition(ConfigNode n) {
        if (!n.isObject()) {
            n.error("expected a mapping of conditions");
            return new ConditionSpec.Always();
        }
        n.allowOnly(Set.of("header", "tenant", "model", "prompt-tokens", "max-tokens", "has-tools", "has-images",
                "metadata", "time", "sensitive-data", "all", "any", "not"));
        List<ConditionSpec> parts = new ArrayList<>();
        for (Map.Entry<String, ConfigNode> e : n.entries()) {
            ConfigNode v = e.getValue();
            switch (e.getKey()) {
                case "header" -> {
                    Map<String, List<String>> expected = new LinkedHashMap<>();
                    if (!v.isObject()) {
                        v.error("expected a mapping of header name to value(s)");
                    }
                    for (Map.Entry<String, ConfigNode> h : v.entries()) {
                        List<String> values = h.getValue().stringOrList();
                        if (values.isEmpty()) {
                            h.getValue().error("expected a value or a list of values");
                        }
                        expected.put(h.getKey().toLowerCase(Locale.ROOT), values);
                    }
                    parts.add(new ConditionSpec.Headers(expected));
                }
                case "tenant" -> parts.add(new ConditionSpec.Tenant(nonEmpty(v)));
                case "model" -> parts.add(new ConditionSpec.Model(nonEmpty(v)));
                case "prompt-tokens" -> parts.add(new ConditionSpec.PromptTokens(bounds(v)));
                case "max-tokens" -> parts.add(new ConditionSpec.MaxTokens(bounds(v)));
                case "has-tools" -> parts.add(new ConditionSpec.HasTools(v.bool(true)));
                case "sensitive-data" -> parts.add(v.isArray()
                        ? new ConditionSpec.SensitiveData(true, nonEmpty(v))
                        : new ConditionSpec.SensitiveData(v.bool(true), List.of()));
                case "has-images" -> parts.add(new ConditionSpec.HasImages(v.bool(true)));
                case "metadata" -> {
                    Map<String, List<String>> expected = new LinkedHashMap<>();
                    if (!v.isObject()) {
                        v.error("expected a mapping of metadata key to value(s)");
                    }
                    for (Map.Entry<String, ConfigNode> h : v.entries()) {
                        expected.put(h.getKey(), nonEmpty(h.getValue()));
                    }
                    parts.add(new ConditionSpec.Metadata(expected));
                }
                case "time" -> parts.add(timeWindow(v));
                case "all", "any" -> {
                    List<ConditionSpec> sub = new ArrayList<>();
                    if (!v.isArray() || v.items().isEmpty()) {
                        v.error("expected a non-empty list of conditions");
                    }
                    for (ConfigNode item : v.items()) {
                        sub.add(condition(item));
                    }
                    parts.add(e.getKey().equals("all") ? new ConditionSpec.All(sub) : new ConditionSpec.Any(sub));
                }
                case "not" -> parts.add(new ConditionSpec.Not(condition(v)));
                default -> { } // reported by allowOnly
            }
        }
        if (parts.isEmpty()) {
            return new ConditionSpec.Always();
        }
        return parts.size() == 1 ? parts.get(0) : new ConditionSpec.All(parts);
    }

    private static List<String> nonEmpty(ConfigNode v) {
        List<String> values = v.stringOrList();
        if (values.isEmpty()) {
            v.error("expected a value or a list of values");
        }
        return values;
    }

    private static ConditionSpec timeWindow(ConfigNode v) {
        if (!v.isObject()) {
            v.error("expected { from: \"09:00\", to: \"18:00\", zone: Asia/Shanghai, days: [mon, tue, ...] }");
            return new ConditionSpec.Always();
        }
        v.allowOnly(Set.of("from", "to", "zone", "days"));
        java.time.LocalTime from = localTime(v.get("from"));
        java.time.LocalTime to = localTime(v.get("to"));
        java.time.ZoneId zone = zone(v.get("zone"));
        Set<java.time.DayOfWeek> days = java.util.EnumSet.noneOf(java.time.DayOfWeek.class);
        for (ConfigNode d : v.get("days").items()) {
            String day = d.string("").trim().toUpperCase(Locale.ROOT);
            java.time.DayOfWeek match = null;
            for (java.time.DayOfWeek w : java.time.DayOfWeek.values()) {
                if (day.length() >= 3 && w.name().startsWith(day)) {
                    match = w;
                }
            }
            if (match == null) {
                d.error("'" + d.string("") + "' (expected a day: mon, tue, wed, thu, fri, sat, sun)");
            } else {
                days.add(match);
            }
        }
        if (days.isEmpty()) {
            days = java.util.EnumSet.allOf(java.time.DayOfWeek.class);
        }
        return new ConditionSpec.TimeWindow(from, to, zone, days);
    }

    private static java.time.LocalTime localTime(ConfigNode n) {
        String s = n.requiredString();
        try {
            return java.time.LocalTime.parse(s.length() == 4 ? "0" + s : s);
        } catch (java.time.format.DateTimeParseException e) {
            if (!s.isEmpty()) {
                n.error("'" + s + "' (expected a time of day such as 09:00 or 17:30)");
            }
            return java.time.LocalTime.MIDNIGHT;
        }
    }

    private static ConditionSpec.Bounds bounds(ConfigNode v) {
        if (!v.isObject()) {
            v.error("expected bounds such as { gt: 6000 } (keys: gt, gte, lt, lte)");
            return new ConditionSpec.Bounds(null, null, null, null);
        }
        v.allowOnly(Set.of("gt", "gte", "lt", "lte"));
        Long gt = v.get("gt").isMissing() ? null : v.get("gt").integer(0, 0, Long.MAX_VALUE);
        Long gte = v.get("gte").isMissing() ? null : v.get("gte").integer(0, 0, Long.MAX_VALUE);
        Long lt = v.get("lt").isMissing() ? null : v.get("lt").integer(0, 0, Long.MAX_VALUE);
        Long lte = v.get("lte").isMissing() ? null : v.get("lte").integer(0, 0, Long.MAX_VALUE);
        if (gt == null && gte == null && lt == null && lte == null) {
            v.error("expected at least one bound (gt, gte, lt, lte)");
        }
        return new ConditionSpec.Bounds(gt, gte, lt, lte);
    }
}
