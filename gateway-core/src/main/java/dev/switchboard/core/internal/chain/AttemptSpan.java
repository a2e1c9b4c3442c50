package dev.switchboard.core.internal.chain;

import dev.switchboard.core.Attempt;
import dev.switchboard.core.Operation;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.internal.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client span of one attempt — a call to one backend, or a candidate passed over at admission — named and
 * attributed after the GenAI conventions ({@code chat qwen2-7b}); retries, fallbacks and hedges are its siblings
 * under the request's span. Ended once, when the attempt is recorded, or when it is called off before that.
 */
final class AttemptSpan {
    private final Span span;
    private final AtomicBoolean ended = new AtomicBoolean();

    private AttemptSpan(Span span) {
        this.span = span;
    }

    static AttemptSpan start(Tracing tracing, Context parent, BackendSpec backend, Operation operation, String kind,
            int number) {
        String op = operation.name().toLowerCase(Locale.ROOT);
        var builder = tracing.tracer().spanBuilder(op + " " + backend.model()).setParent(parent)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(Tracing.OPERATION, op)
                .setAttribute(Tracing.REQUEST_MODEL, backend.model())
                .setAttribute(Tracing.BACKEND, backend.name())
                .setAttribute(Tracing.ATTEMPT, (long) number)
                .setAttribute(Tracing.ATTEMPT_KIND, kind);
        try {
            URI uri = URI.create(backend.baseUrl());
            if (uri.getHost() != null) {
                builder.setAttribute(Tracing.SERVER_ADDRESS, uri.getHost());
                int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
                builder.setAttribute(Tracing.SERVER_PORT, (long) port);
            }
        } catch (IllegalArgumentException e) {
            // the config loader checked the URL; nothing to add if it still does not parse
        }
        return new AttemptSpan(builder.startSpan());
    }

    Span span() {
        return span;
    }

    /** Ends the span with what became of the attempt (null: called off before it was recorded). */
    void end(Attempt attempt, Exchange.Charge charge) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        if (attempt == null) {
            span.setAttribute(Tracing.OUTCOME, "called_off");
        } else {
            span.setAttribute(Tracing.OUTCOME, attempt.outcome().name().toLowerCase(Locale.ROOT));
            attempt.failure().ifPresent(kind -> {
                span.setAttribute(Tracing.ERROR_TYPE, kind.metricName());
                span.setStatus(StatusCode.ERROR, attempt.detail());
            });
            if (attempt.status() > 0) {
                span.setAttribute(Tracing.UPSTREAM_STATUS, (long) attempt.status());
            }
            if (charge != null && attempt.outcome() == Attempt.Outcome.OK) {
                if (charge.usage().known()) {
                    span.setAttribute(Tracing.INPUT_TOKENS, (long) charge.usage().promptTokens());
                    span.setAttribute(Tracing.OUTPUT_TOKENS, (long) charge.usage().completionTokens());
                }
                span.setAttribute(Tracing.COST, charge.cost());
                span.setAttribute(Tracing.CURRENCY, charge.currency());
            }
        }
        span.end();
    }
}
