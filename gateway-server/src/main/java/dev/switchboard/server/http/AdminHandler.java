package dev.switchboard.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.ConfigReloader;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.routing.NoCandidateException;
import dev.switchboard.core.stats.BackendStatus;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Supplier;

/**
 * The admin API, on its own port (loopback by default): budgets, backend statistics, and the full decision trace
 * of a request body without calling any upstream.
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Supplier<Gateway> gateway;
    private final AdminGate gate;
    private final dev.switchboard.server.console.ConsoleData console;
    private final ConsoleAssets assets = new ConsoleAssets();

    AdminHandler(Supplier<Gateway> gateway, AdminGate gate, dev.switchboard.server.console.ConsoleData console) {
        this.gateway = gateway;
        this.gate = gate;
        this.console = console;
    }

    /** Every admin answer goes out hardened (AdminGate.harden). */
    private static void send(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        AdminGate.harden(response);
        ApiHandler.write(ctx.channel(), response, keepAlive);
    }

    @Override
    public boolean isSharable() {
        return true;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String requestId = GatewayRequest.newRequestId();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String path = request.uri().contains("?") ? request.uri().substring(0, request.uri().indexOf('?'))
                : request.uri();
        if (!gate.addressedHere(request.headers())) {
            send(ctx, HttpResponses.error(new GatewayException(ErrorKind.FORBIDDEN, "the admin port answers requests "
                    + "addressed to this machine (Host: localhost or 127.0.0.1) unless server.admin-auth is set"),
                    requestId), keepAlive);
            return;
        }
        if (!gate.admitted(request.headers())) {
            FullHttpResponse refused = HttpResponses.error(new GatewayException(ErrorKind.UNAUTHORIZED,
                    "the admin port needs the admin key: 'Authorization: Bearer <key>' (or as the password of "
                            + "HTTP Basic)"), requestId);
            refused.headers().set(io.netty.handler.codec.http.HttpHeaderNames.WWW_AUTHENTICATE,
                    "Basic realm=\"switchboard admin\", charset=\"UTF-8\"");
            send(ctx, refused, keepAlive);
            return;
        }
        String crossSite = gate.crossSite(request);
        if (crossSite != null) {
            send(ctx, HttpResponses.error(new GatewayException(ErrorKind.FORBIDDEN, crossSite + " is refused: "
                    + "the console sends its token from its own page"), requestId), keepAlive);
            return;
        }
        FullHttpResponse asset = request.method().equals(HttpMethod.GET) ? assets.answer(path) : null;
        if (asset != null) {
            send(ctx, asset, keepAlive);
            return;
        }
        try {
            ObjectNode body = switch (path) {
                case "/admin/console-token" -> only(request, HttpMethod.GET, () -> HttpResponses.JSON
                        .createObjectNode().put("token", gate.token()));
                case "/admin/decisions" -> only(request, HttpMethod.GET, () -> console.decisions(limit(request)));
                case "/admin/history" -> only(request, HttpMethod.GET, console::history);
                case "/admin/whatif" -> {
                    only(request, HttpMethod.POST, () -> null);
                    whatIf(ctx, request, requestId, keepAlive);
                    yield null;
                }
                case "/admin/budgets" -> {
                    only(request, HttpMethod.GET, () -> null);
                    // With a shared store the figures come from Redis: answered when they arrive, never blocking
                    // the event loop.
                    gateway.get().budgetsAsync().whenComplete((states, error) -> send(ctx,
                            error == null ? HttpResponses.json(HttpResponseStatus.OK, budgets(states))
                                    : HttpResponses.error(new GatewayException(ErrorKind.INTERNAL,
                                            "reading the budgets failed: " + error), requestId), keepAlive));
                    yield null;
                }
                case "/admin/state" -> only(request, HttpMethod.GET, this::state);
                case "/admin/backends" -> only(request, HttpMethod.GET, this::backends);
                case "/admin/cache" -> only(request, HttpMethod.GET, this::cache);
                case "/admin/config" -> only(request, HttpMethod.GET, this::config);
                case "/admin/reload" -> {
                    only(request, HttpMethod.POST, () -> null);
                    if (!(gateway instanceof ConfigReloader r)) {
                        throw new GatewayException(ErrorKind.NOT_FOUND, "this server was not started from a config "
                                + "file");
                    }
                    // Off the event loop: answered when the reload thread is done.
                    r.reloadAsync().whenComplete((errors, error) -> send(ctx, error == null
                            ? HttpResponses.json(HttpResponseStatus.OK, reloaded(errors))
                            : HttpResponses.error(new GatewayException(ErrorKind.INTERNAL, "the reload failed: "
                                    + error), requestId), keepAlive));
                    yield null;
                }
                case "/metrics" -> {
                    only(request, HttpMethod.GET, () -> null);
                    writeMetrics(ctx, request, keepAlive);
                    yield null;
                }
                case "/admin/explain" -> only(request, HttpMethod.POST, () -> explain(request, requestId));
                default -> {
                    if (path.startsWith("/admin/decisions/")) {
                        yield only(request, HttpMethod.GET, () -> decision(path.substring("/admin/decisions/".length())));
                    }
                    throw new GatewayException(ErrorKind.NOT_FOUND, "no admin endpoint " + path
                        + " (try /metrics, /admin/config, /admin/backends, /admin/budgets, /admin/cache, /admin/state, "
                        + "POST /admin/explain, or the console at /)");
                }
            };
            if (body != null) {
                send(ctx, HttpResponses.json(HttpResponseStatus.OK, body), keepAlive);
            }
        } catch (GatewayException e) {
            send(ctx, HttpResponses.error(e, requestId), keepAlive);
        }
    }

    private static ObjectNode only(FullHttpRequest request, HttpMethod method, Supplier<ObjectNode> action) {
        if (!method.equals(request.method())) {
            throw new GatewayException(ErrorKind.METHOD_NOT_ALLOWED, request.method() + " is not allowed here (use "
                    + method + ")");
        }
        return action.get();
    }

    /** The state store's health: where it is, whether it answers, its breaker, failures and fallbacks. */
    private ObjectNode state() {
        dev.switchboard.core.state.StoreHealth h = gateway.get().stateHealth();
        ObjectNode o = HttpResponses.JSON.createObjectNode();
        o.put("store", h.store()).put("target", h.target()).put("up", h.up()).put("breaker", h.breaker())
                .put("failures", h.failures()).put("fallbacks", h.fallbacks()).put("leases_held", h.leases());
        if (h.lastError() != null) {
            o.put("last_error", h.lastError()).put("last_error_at", String.valueOf(h.lastErrorAt()));
        }
        return o;
    }

    private static ObjectNode budgets(java.util.List<TenantBudget> states) {
        ObjectNode root = HttpResponses.JSON.createObjectNode();
        ArrayNode list = root.putArray("budgets");
        for (TenantBudget s : states) {
            ObjectNode o = list.addObject();
            o.put("tenant", s.tenant()).put("currency", s.currency()).put("day", String.valueOf(s.day()));
            if (s.dailyLimit() != null) {
                o.put("daily_limit", s.dailyLimit());
            }
            o.put("spent_today", s.spentToday()).put("reserved_today", s.reservedToday());
            if (s.monthlyLimit() != null) {
                o.put("monthly_limit", s.monthlyLimit());
            }
            o.put("spent_this_month", s.spentThisMonth()).put("reserved_this_month", s.reservedThisMonth());
            if (s.weeklyLimit() != null) {
                o.put("week", String.valueOf(s.week())).put("weekly_limit", s.weeklyLimit());
            }
            o.put("spent_this_week", s.spentThisWeek()).put("reserved_this_week", s.reservedThisWeek());
            o.put("exhausted", s.exhausted());
            o.put("when_exhausted", s.whenExhausted().name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        return root;
    }

    private static final String OPEN_METRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /**
     * Every gateway metric: the Prometheus text format, or OpenMetrics when the scraper asks for it (Prometheus does
     * when exemplar storage is on), which carries the latency buckets' exemplars.
     */
    private void writeMetrics(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        var meters = gateway.get().meters();
        if (!(meters instanceof io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus)) {
            throw new GatewayException(ErrorKind.NOT_FOUND, "metrics are not exported in Prometheus format here");
        }
        String accept = request.headers().get(io.netty.handler.codec.http.HttpHeaderNames.ACCEPT, "");
        String type = accept.contains("application/openmetrics-text") ? OPEN_METRICS
                : "text/plain; version=0.0.4; charset=utf-8";
        byte[] text = prometheus.scrape(type).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        send(ctx, HttpResponses.json(HttpResponseStatus.OK, text, type), keepAlive);
    }

    /** The config in force, with every credential redacted, and the errors of a failed reload. */
    private ObjectNode config() {
        Gateway g = gateway.get();
        ObjectNode o = CONFIG_JSON.valueToTree(g.spec());
        // The order every request goes through, as the gateway assembled it (DESIGN.md, "The request chain").
        // Not shown: the admin key's hash (unsalted: a weak key could be guessed from it) and a webhook's path and
        // query (chat webhooks carry their token there).
        if (o.path("server").hasNonNull("admin-key-sha256")) {
            ((ObjectNode) o.get("server")).put("admin-key-sha256", "***");
        }
        if (o.path("alerts").path("webhook").hasNonNull("url")) {
            java.net.URI url = g.spec().alerts().webhook().url();
            ((ObjectNode) o.get("alerts").get("webhook")).put("url", url.getScheme() + "://" + url.getHost()
                    + (url.getPort() > 0 ? ":" + url.getPort() : "") + "/***");
        }
        var chain = o.putArray("chain");
        g.chain().forEach(chain::add);
        // Each rule's condition in words, beside its structure (the console shows these).
        var conditions = o.putObject("conditions");
        g.ruleConditions().forEach((route, list) -> {
            var words = conditions.putArray(route);
            list.forEach(words::add);
        });
        if (gateway instanceof ConfigReloader r && !r.lastErrors().isEmpty()) {
            var errors = o.putArray("last-reload-errors");
            r.lastErrors().forEach(errors::add);
        }
        return o;
    }

    private static ObjectNode reloaded(List<String> errors) {
        ObjectNode o = HttpResponses.JSON.createObjectNode();
        o.put("reloaded", errors.isEmpty());
        var list = o.putArray("errors");
        errors.forEach(list::add);
        return o;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper CONFIG_JSON = configMapper();

    private static com.fasterxml.jackson.databind.ObjectMapper configMapper() {
        var module = new com.fasterxml.jackson.databind.module.SimpleModule();
        var toString = com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance;
        module.addSerializer(java.time.Duration.class, toString);
        module.addSerializer(java.time.ZoneId.class, toString);
        module.addSerializer(java.time.LocalTime.class, toString);
        module.addSerializer(java.nio.file.Path.class, toString);
        module.addSerializer(java.util.regex.Pattern.class, toString);
        module.addSerializer(dev.switchboard.core.config.Secret.class,
                new com.fasterxml.jackson.databind.JsonSerializer<dev.switchboard.core.config.Secret>() {
                    @Override
                    public void serialize(dev.switchboard.core.config.Secret value,
                            com.fasterxml.jackson.core.JsonGenerator gen,
                            com.fasterxml.jackson.databind.SerializerProvider provider) throws java.io.IOException {
                        gen.writeString(value.isPresent() ? "***" : "");
                    }
                });
        return new com.fasterxml.jackson.databind.ObjectMapper().registerModule(module)
                .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.KEBAB_CASE);
    }

    private ObjectNode cache() {
        var s = gateway.get().cacheStats();
        ObjectNode o = HttpResponses.JSON.createObjectNode();
        o.put("hits", s.hits()).put("misses", s.misses()).put("evictions", s.evictions())
                .put("entries", s.entries()).put("bytes", s.bytes()).put("max_bytes", s.maxBytes());
        long lookups = s.hits() + s.misses();
        o.put("hit_rate", lookups == 0 ? 0 : (double) s.hits() / lookups);
        return o;
    }

    private ObjectNode backends() {
        ObjectNode root = HttpResponses.JSON.createObjectNode();
        ArrayNode list = root.putArray("backends");
        Gateway g = gateway.get();
        for (BackendStatus s : g.backends()) {
            ObjectNode o = list.addObject();
            o.put("name", s.backend()).put("in_flight", s.inFlight()).put("max_concurrency", s.capacity());
            o.put("cooling_down_until", s.coolingDownUntil().map(Object::toString).orElse(null));
            var breaker = s.breaker();
            ObjectNode b = o.putObject("circuit_breaker");
            b.put("state", breaker.state().wire());
            b.put("failure_rate", breaker.failureRate().isPresent() ? (Double) breaker.failureRate().getAsDouble() : null);
            ArrayNode transitions = b.putArray("transitions");
            breaker.transitions().forEach(t -> transitions.addObject().put("at", t.at().toString())
                    .put("from", t.from().wire()).put("to", t.to().wire()));
            put(o, "first_token_p50_ms", s.firstTokenP50Millis());
            put(o, "first_token_p95_ms", s.firstTokenP95Millis());
            put(o, "tokens_per_second_p50", s.tokensPerSecondP50());
            o.put("error_rate", s.errorRate()).put("calls_in_window", s.calls());
        }
        return root;
    }

    private static void put(ObjectNode o, String field, OptionalDouble v) {
        if (v.isPresent()) {
            o.put(field, Math.round(v.getAsDouble() * 10) / 10.0);
        } else {
            o.putNull(field);
        }
    }

    /** The body is a chat request; headers and {@code x-switchboard-tenant} count as they would on a call. */
    private ObjectNode explain(FullHttpRequest request, String requestId) {
        RequestView view = RequestView.chat(ByteBufUtil.getBytes(request.content()));
        Map<String, String> headers = new HashMap<>();
        request.headers().forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        GatewayRequest gr = new GatewayRequest(view, headers, headers.get(ApiHandler.TENANT_HEADER), requestId);
        Gateway g = gateway.get();
        Verdict verdict = g.judge(gr);
        try {
            return DecisionJson.of(g.explain(gr, verdict), verdict);
        } catch (NoCandidateException e) {
            ObjectNode o = DecisionJson.of(e.decision(), verdict);
            o.put("error", e.getMessage());
            return o;
        }
    }

    private static int limit(FullHttpRequest request) {
        String q = new io.netty.handler.codec.http.QueryStringDecoder(request.uri()).parameters()
                .getOrDefault("limit", List.of("100")).get(0);
        try {
            return Math.max(1, Math.min(1000, Integer.parseInt(q)));
        } catch (NumberFormatException e) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "limit: '" + q + "' (expected a number)");
        }
    }

    /** One recent request's record: its decision trace, attempts and what was found (kinds and counts). */
    private ObjectNode decision(String requestId) {
        dev.switchboard.core.CallRecord r = console.decision(requestId).orElseThrow(() -> new GatewayException(
                ErrorKind.NOT_FOUND, "no recent request " + requestId + " (the console keeps the last ones only)"));
        ObjectNode o = HttpResponses.JSON.createObjectNode();
        o.put("request_id", r.requestId()).put("time", r.time().toString()).put("tenant", r.tenant())
                .put("model", r.model()).put("stream", r.stream()).put("status", r.status()).put("error", r.error())
                .put("backend", r.backend()).put("cache", r.cache().wire()).put("compliance", r.compliance().wire())
                .put("ms", r.millis()).put("cost", r.cost()).put("currency", r.currency())
                .put("trace_id", r.traceId());
        if (r.firstTokenMillis().isPresent()) {
            o.put("first_token_ms", r.firstTokenMillis().getAsLong());
        }
        if (r.usage().known()) {
            o.put("prompt_tokens", r.usage().promptTokens()).put("completion_tokens", r.usage().completionTokens());
        }
        ObjectNode found = o.putObject("found");
        r.sensitive().counts().forEach(found::put);
        ArrayNode attempts = o.putArray("attempts");
        r.attempts().forEach(a -> attempts.addObject().put("backend", a.backend()).put("outcome", a.describe())
                .put("ms", a.millis()));
        if (r.decision() != null) {
            o.set("decision", DecisionJson.of(r.decision()));
        }
        return o;
    }

    /** The simulator's runs take seconds: one at a time, off the event loops. */
    private static final java.util.concurrent.ExecutorService WHAT_IF = new java.util.concurrent.ThreadPoolExecutor(
            1, 1, 0, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(2), r -> {
                Thread t = new Thread(r, "switchboard-what-if");
                t.setDaemon(true);
                return t;
            }); // at most one running and two waiting: more is refused, not queued in the heap

    /**
     * {@code {"traffic": "<JSON lines>", "config": "<YAML>"}}: the traffic replayed through the config in force and
     * through the proposed one, in simulated time (SIMULATOR.md). The proposed config's {@code ${env:...}} read
     * nothing from this process: the simulation calls no backend.
     */
    private void whatIf(ChannelHandlerContext ctx, FullHttpRequest request, String requestId, boolean keepAlive) {
        com.fasterxml.jackson.databind.JsonNode in;
        try {
            in = HttpResponses.JSON.readTree(ByteBufUtil.getBytes(request.content()));
        } catch (java.io.IOException e) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "expected {\"traffic\": \"...\", \"config\": \"...\"}");
        }
        String traffic = in.path("traffic").asText("");
        String yaml = in.path("config").asText("");
        if (traffic.isBlank() || yaml.isBlank()) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "both a traffic file and a config are needed");
        }
        dev.switchboard.core.config.GatewaySpec proposed;
        try {
            proposed = dev.switchboard.core.config.ConfigLoader.withEnv(k -> "").parse(yaml, "proposed config");
        } catch (dev.switchboard.core.config.ConfigException e) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "the proposed config is invalid: "
                    + String.join("; ", e.errors().stream().map(Object::toString).toList()));
        }
        dev.switchboard.core.config.GatewaySpec current = gateway.get().spec();
        try {
            WHAT_IF.execute(() -> runWhatIf(ctx, requestId, keepAlive, traffic, current, proposed));
        } catch (java.util.concurrent.RejectedExecutionException busy) {
            throw new GatewayException(ErrorKind.RATE_LIMITED, "three what-if runs are already running or waiting; "
                    + "try again when they are done");
        }
    }

    private void runWhatIf(ChannelHandlerContext ctx, String requestId, boolean keepAlive, String traffic,
            dev.switchboard.core.config.GatewaySpec current, dev.switchboard.core.config.GatewaySpec proposed) {
        {
            FullHttpResponse answer;
            java.nio.file.Path file = null;
            try {
                file = java.nio.file.Files.createTempFile("switchboard-what-if", ".jsonl");
                java.nio.file.Files.writeString(file, traffic);
                String report = dev.switchboard.server.simulate.Simulation.run(current, "in force", proposed,
                        "proposed", file, 1, "json", null);
                answer = HttpResponses.json(HttpResponseStatus.OK, (ObjectNode) HttpResponses.JSON.readTree(report));
            } catch (java.io.IOException | RuntimeException e) {
                answer = HttpResponses.error(new GatewayException(ErrorKind.INVALID_REQUEST,
                        "the traffic could not be replayed: " + e.getMessage()), requestId);
            } finally {
                if (file != null) {
                    file.toFile().delete();
                }
            }
            send(ctx, answer, keepAlive);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        org.slf4j.LoggerFactory.getLogger(AdminHandler.class).warn("admin connection closed on an error", cause);
        ctx.close();
    }

}
