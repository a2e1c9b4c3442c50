package dev.switchboard.server.telemetry;

import io.opentelemetry.api.trace.Span;
import io.prometheus.metrics.tracer.common.SpanContext;

/**
 * Hands the Prometheus registry the span current where a latency is recorded — the request's or the attempt's, which
 * the gateway makes current for exactly that — so a histogram bucket carries a trace id as its exemplar and a slow
 * bucket on a dashboard links to a trace. Only sampled spans are offered: an exemplar must point at a trace that
 * was exported.
 */
public final class TraceExemplars implements SpanContext {
    @Override
    public String getCurrentTraceId() {
        io.opentelemetry.api.trace.SpanContext c = Span.current().getSpanContext();
        return c.isValid() ? c.getTraceId() : null;
    }

    @Override
    public String getCurrentSpanId() {
        io.opentelemetry.api.trace.SpanContext c = Span.current().getSpanContext();
        return c.isValid() ? c.getSpanId() : null;
    }

    @Override
    public boolean isCurrentSpanSampled() {
        return Span.current().getSpanContext().isSampled();
    }

    @Override
    public void markCurrentSpanAsExemplar() {
        Span.current().setAttribute(EXEMPLAR_ATTRIBUTE_NAME, EXEMPLAR_ATTRIBUTE_VALUE);
    }
}
