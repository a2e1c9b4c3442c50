package dev.switchboard.core.internal.trace;

import dev.switchboard.core.GatewayRequest;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.List;
import java.util.Map;

/**
 * The gateway's traces, on the OpenTelemetry instance the application (or the sidecar's {@code telemetry} config)
 * provides: names after the OpenTelemetry GenAI semantic conventions plus the gateway's own {@code switchboard.*}.
 * Spans never carry prompt or answer text, nor a detected value — only kinds, counts, names and figures.
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

    private final Tracer tracer;
    private final TextMapPropagator propagator;

    private Tracing(OpenTelemetry openTelemetry) {
        this.tracer = openTelemetry.getTracer("dev.switchboard.gateway");
        this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    }

    /** Tracing on this instance, or null when it is the no-op one: then no step or attempt makes a span at all. */
    public static Tracing of(OpenTelemetry openTelemetry) {
        return openTelemetry == OpenTelemetry.noop() ? null : new Tracing(openTelemetry);
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

    /** The headers that carry {@code context} to a backend, so the model server's spans join the trace. */
    public Map<String, String> headersFor(Context context) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        propagator.inject(context, headers, SET);
        return headers;
    }
}
