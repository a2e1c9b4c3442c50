package dev.switchboard.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
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
        top.allowOnly(Set.of("server", "backends", "routes"));
        ServerSpec server = server(top.get("server"));
        List<BackendSpec> backends = backends(top.get("backends"));
        List<RouteSpec> routes = routes(top.get("routes"), backends);
        if (!errors.isEmpty()) {
            throw new ConfigException(source, errors);
        }
        return new GatewaySpec(server, backends, routes);
    }

    private static ServerSpec server(ConfigNode n) {
        ServerSpec d = ServerSpec.DEFAULTS;
        if (n.isMissing()) {
            return d;
        }
        n.allowOnly(Set.of("listen", "admin", "max-body-size", "read-timeout"));
        long maxBody = n.get("max-body-size").bytes(d.maxBodyBytes());
        if (maxBody < 1024) {
            n.get("max-body-size").error(maxBody + " bytes (expected: at least 1KiB)");
        }
        return new ServerSpec(hostPort(n.get("listen"), d.listen()), hostPort(n.get("admin"), d.admin()),
                maxBody, n.get("read-timeout").duration(d.readTimeout()));
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

    private static List<BackendSpec> backends(ConfigNode list) {
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
            n.allowOnly(Set.of("name", "provider", "base-url", "api-key", "model", "residency", "price", "limits"));
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
            out.add(new BackendSpec(name, provider, baseUrl, key, model, residency, price(n.get("price")),
                    limits(n.get("limits"))));
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
                "total-timeout"));
        return new LimitsSpec((int) n.get("max-concurrency").integer(d.maxConcurrency(), 1, 1_000_000),
                positive(n.get("connect-timeout"), d.connectTimeout()),
                positive(n.get("first-token-timeout"), d.firstTokenTimeout()),
                positive(n.get("idle-timeout"), d.idleTimeout()),
                positive(n.get("total-timeout"), d.totalTimeout()));
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
            n.allowOnly(Set.of("name", "aliases", "rules"));
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
            out.add(new RouteSpec(name, aliases, rules));
        }
        return out;
    }

    private static RuleSpec rule(ConfigNode n, Set<String> backendNames) {
        if (!n.isObject()) {
            n.error("expected a mapping");
            return new RuleSpec(new ConditionSpec.Always(), List.of(), StrategyKind.PRIORITY, "");
        }
        n.allowOnly(Set.of("when", "use", "strategy", "reason"));
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
        return new RuleSpec(when, use, strategy, n.get("reason").string(""));
    }

    private static ConditionSpec condition(ConfigNode n) {
        if (!n.isObject()) {
            n.error("expected a mapping of conditions");
            return new ConditionSpec.Always();
        }
        n.allowOnly(Set.of("header", "tenant", "model", "prompt-tokens", "all", "any", "not"));
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
                case "prompt-tokens" -> parts.add(bounds(v));
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

    private static ConditionSpec bounds(ConfigNode v) {
        if (!v.isObject()) {
            v.error("expected bounds such as { gt: 6000 } (keys: gt, gte, lt, lte)");
            return new ConditionSpec.Always();
        }
        v.allowOnly(Set.of("gt", "gte", "lt", "lte"));
        Long gt = v.get("gt").isMissing() ? null : v.get("gt").integer(0, 0, Long.MAX_VALUE);
        Long gte = v.get("gte").isMissing() ? null : v.get("gte").integer(0, 0, Long.MAX_VALUE);
        Long lt = v.get("lt").isMissing() ? null : v.get("lt").integer(0, 0, Long.MAX_VALUE);
        Long lte = v.get("lte").isMissing() ? null : v.get("lte").integer(0, 0, Long.MAX_VALUE);
        if (gt == null && gte == null && lt == null && lte == null) {
            v.error("expected at least one bound (gt, gte, lt, lte)");
        }
        return new ConditionSpec.PromptTokens(gt, gte, lt, lte);
    }
}
