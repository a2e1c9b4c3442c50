package dev.switchboard.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    AdminHandler(Supplier<Gateway> gateway) {
        this.gateway = gateway;
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
        try {
            ObjectNode body = switch (path) {
                case "/admin/budgets" -> {
                    only(request, HttpMethod.GET, () -> null);
                    // With a shared store the figures come from Redis: answered when they arrive, never blocking
                    // the event loop.
                    gateway.get().budgetsAsync().whenComplete((states, error) -> ApiHandler.write(ctx.channel(),
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
                    r.reloadAsync().whenComplete((errors, error) -> ApiHandler.write(ctx.channel(), error == null
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
                default -> throw new GatewayException(ErrorKind.NOT_FOUND, "no admin endpoint " + path
                        + " (try /metrics, /admin/config, /admin/backends, /admin/budgets, /admin/cache, /admin/state, "
                        + "POST /admin/explain)");
            };
            if (body != null) {
                ApiHandler.write(ctx.channel(), HttpResponses.json(HttpResponseStatus.OK, body), keepAlive);
            }
        } catch (GatewayException e) {
            ApiHandler.write(ctx.channel(), HttpResponses.error(e, requestId), keepAlive);
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
        ApiHandler.write(ctx.channel(), HttpResponses.json(HttpResponseStatus.OK, text, type), keepAlive);
    }

    /** The config in force, with every credential redacted, and the errors of a failed reload. */
    private ObjectNode config() {
        Gateway g = gateway.get();
        ObjectNode o = CONFIG_JSON.valueToTree(g.spec());
        // The order every request goes through, as the gateway assembled it (DESIGN.md, "The request chain").
        var chain = o.putArray("chain");
        g.chain().forEach(chain::add);
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

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

}
