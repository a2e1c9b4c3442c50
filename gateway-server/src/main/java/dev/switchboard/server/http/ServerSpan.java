package dev.switchboard.server.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The sidecar's server span of one model call ({@code POST /v1/chat/completions}, HTTP semantic conventions), joined
 * to the client's trace by its {@code traceparent}/{@code tracestate}/baggage; the gateway's own span (and every step
 * and attempt) hangs below it. Ends once, when the answer is out, the error written or the client gone.
 */
final class ServerSpan {
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("switchboard.request_id");
    private static final TextMapGetter<HttpHeaders> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Span span;
    private final AtomicBoolean ended = new AtomicBoolean();

    private ServerSpan(Span span) {
        this.span = span;
    }

    /** Where server spans come from; null when {@code openTelemetry} makes none (traces off). */
    static Factory factory(OpenTelemetry openTelemetry) {
        Tracer tracer = openTelemetry.getTracer("dev.switchboard.server");
        return tracer == OpenTelemetry.noop().getTracer("dev.switchboard.server") ? null
                : new Factory(tracer, openTelemetry.getPropagators().getTextMapPropagator());
    }

    record Factory(Tracer tracer, TextMapPropagator propagator) {
        ServerSpan start(String method, String path, HttpHeaders headers, String requestId) {
            Context parent = propagator.extract(Context.root(), headers, HEADERS);
            return new ServerSpan(tracer.spanBuilder(method + " " + path).setParent(parent)
                    .setSpanKind(SpanKind.SERVER).setAttribute(METHOD, method).setAttribute(ROUTE, path)
                    .setAttribute(PATH, path).setAttribute(REQUEST_ID, requestId).startSpan());
        }
    }

    /** Makes this span current while the gateway is called, so the gateway's span is its child. */
    Scope makeCurrent() {
        return span.makeCurrent();
    }

    /** The trace id, for error bodies: a client quotes it to find the trace. */
    String traceId() {
        return span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : null;
    }

    /** Ends the span with the status the client got; {@code errorType} for a failure (null for a success). */
    void end(int status, String errorType) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        span.setAttribute(STATUS, (long) status);
        if (errorType != null) {
            span.setAttribute(ERROR_TYPE, errorType);
            if (status >= 500 || status == 200) { // a 200 with an error: a stream cut after it started
                span.setStatus(StatusCode.ERROR, errorType);
            }
        }
        span.end();
    }
}
