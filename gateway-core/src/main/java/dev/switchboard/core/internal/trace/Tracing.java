package dev.switchboard.core.internal.trace;

import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.Operation;
import dev.switchboard.core.Usage;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateway's traces, on the OpenTelemetry instance the application provides ({@code GatewayOptions}): names after
 * the OpenTelemetry GenAI semantic conventions plus the gateway's own {@code switchboard.*}. Spans never carry prompt
 * or answer text, a detected value or an upstream's error text — only kinds, counts, names, codes and figures.
 */
public final class Tracing {
    public static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    public static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    public static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("switchboard.request_id");
    public static final AttributeKey<String> TENANT = AttributeKey.stringKey("switchboard.tenant");
    public static final AttributeKey<String> ROUTE = AttributeKey.stringKey("switchboard.route");
    public static final AttributeKey<Long> RULE = AttributeKey.longKey("switchboard.rule");
    public static final AttributeKey<String> DECISION_ID = AttributeKey.stringKey("switchboard.decision_id");
    public static final AttributeKey<String> BACKEND = AttributeKey.stringKey("switchboard.backend");
    public static final AttributeKey<String> CACHE = AttributeKey.stringKey("switchboard.cache");
    public static final AttributeKey<String> COMPLIANCE = AttributeKey.stringKey("switchboard.compliance");
    public static final AttributeKey<List<String>> DETECTED = AttributeKey.stringArrayKey("switchboard.detected");
    public static final AttributeKey<Double> COST = AttributeKey.doubleKey("switchboard.cost");
    public static final AttributeKey<String> CURRENCY = AttributeKey.stringKey("switchboard.currency");
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("switchboard.attempt");
    public static final AttributeKey<String> ATTEMPT_KIND = AttributeKey.stringKey("switchboard.attempt.kind");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("switchboard.attempt.outcome");
    public static final AttributeKey<Long> UPSTREAM_STATUS = AttributeKey.longKey("http.response.status_code");
    public static final AttributeKey<String> STEP = AttributeKey.stringKey("switchboard.step");

    private static final TextMapGetter<Map<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key.toLowerCase(java.util.Locale.ROOT));
        }
    };
    private static final TextMapSetter<Map<String, String>> SET = Map::put;
    private static final String SCOPE = "dev.switchboard.gateway";

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    /** Host and port of each backend URL, worked out once. */
    private final Map<String, Address> addresses = new ConcurrentHashMap<>();

    private Tracing(Tracer tracer, TextMapPropagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /**
     * Tracing on this instance, or null when its tracer is the no-op one (also behind {@code GlobalOpenTelemetry}
     * with no SDK installed): then no step or attempt makes a span at all.
     */
    public static Tracing of(OpenTelemetry openTelemetry) {
        Tracer tracer = openTelemetry.getTracer(SCOPE);
        return tracer == OpenTelemetry.noop().getTracer(SCOPE) ? null
                : new Tracing(tracer, openTelemetry.getPropagators().getTextMapPropagator());
    }

    /** {@code chat} or {@code embeddings}: the GenAI operation name. */
    public static String operationName(Operation operation) {
        return operation == Operation.CHAT ? "chat" : "embeddings";
    }

    /** The {@code error.type} of a failure: the gateway's error code, or the exception's class. */
    public static String errorType(Throwable error) {
        return error instanceof GatewayException g ? g.kind().code() : error.getClass().getName();
    }

    /** Tokens and cost of what a backend produced. */
    public static void charge(Span span, Usage usage, double cost, String currency) {
        if (usage.known()) {
            span.setAttribute(INPUT_TOKENS, (long) usage.promptTokens());
            span.setAttribute(OUTPUT_TOKENS, (long) usage.completionTokens());
        }
        span.setAttribute(COST, cost);
        span.setAttribute(CURRENCY, currency);
    }

    /** Marks a span failed with {@code type}; the description is the type too, never a message's free text. */
    public static void failed(Span span, String type) {
        span.setAttribute(ERROR_TYPE, type);
        span.setStatus(StatusCode.ERROR, type);
    }

    /** {@code server.address} and {@code server.port} of a backend's base URL. */
    public void server(SpanBuilder span, String baseUrl) {
        Address a = addresses.computeIfAbsent(baseUrl, Address::of);
        if (a != null) {
            span.setAttribute(SERVER_ADDRESS, a.host());
            span.setAttribute(SERVER_PORT, (long) a.port());
        }
    }

    private record Address(String host, int port) {
        static Address of(String baseUrl) {
            try {
                URI uri = URI.create(baseUrl);
                if (uri.getHost() == null) {
                    return null;
                }
                int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
                return new Address(uri.getHost(), port);
            } catch (IllegalArgumentException e) {
                return null; // the config loader checked the URL; nothing to add if it still does not parse
            }
        }
    }

    public Tracer tracer() {
        return tracer;
    }

    /**
     * Where a request's span hangs: the span current where the application called the gateway (the sidecar's
     * server span), else the trace the request's own headers carry ({@code traceparent}, {@code tracestate},
     * baggage), else a new trace.
     */
    public Context parentOf(GatewayRequest request) {
        Context current = Context.current();
        if (Span.fromContext(current).getSpanContext().isValid()) {
            return current;
        }
        return propagator.extract(current, request.headers(), HEADERS);
    }

    /**
     * The headers that carry {@code context} to a backend, so the model server's spans join the trace: only
     * {@code traceparent} (a fixed format of hex ids) unless {@code withState}, which adds the client's free-text
     * {@code tracestate} and baggage.
     */
    public Map<String, String> headersFor(Context context, boolean withState) {
        Map<String, String> headers = new HashMap<>(4);
        propagator.inject(withState ? context : Context.root().with(Span.fromContext(context)), headers, SET);
        if (!withState) {
            headers.keySet().retainAll(Set.of("traceparent"));
        }
        return headers;
    }
}
