package dev.switchboard.core.internal.chain;

import dev.switchboard.core.Attempt;
import dev.switchboard.core.Operation;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.internal.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The client span of one attempt — a call to one backend, or a candidate passed over at admission — named and
 * attributed after the GenAI conventions ({@code chat qwen2-7b}); retries, fallbacks and hedges are its siblings
 * under the request's span. Ended once: when the attempt is recorded, when it is called off, or when it failed
 * before anything recorded it.
 */
final class AttemptSpan {
    private final Span span;
    private final AtomicBoolean ended = new AtomicBoolean();

    private AttemptSpan(Span span) {
        this.span = span;
    }

    static AttemptSpan start(Tracing tracing, Context parent, BackendSpec backend, Operation operation, String kind,
            int number) {
        String op = Tracing.operationName(operation);
        SpanBuilder builder = tracing.tracer().spanBuilder(op + " " + backend.model()).setParent(parent)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(Tracing.OPERATION, op)
                .setAttribute(Tracing.REQUEST_MODEL, backend.model())
                .setAttribute(Tracing.BACKEND, backend.name())
                .setAttribute(Tracing.ATTEMPT, (long) number)
                .setAttribute(Tracing.ATTEMPT_KIND, kind);
        tracing.server(builder, backend.baseUrl());
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
            attempt.failure().ifPresent(kind -> Tracing.failed(span, kind.metricName()));
            if (attempt.status() > 0) {
                span.setAttribute(Tracing.UPSTREAM_STATUS, (long) attempt.status());
            }
            if (charge != null && attempt.outcome() == Attempt.Outcome.OK) {
                Tracing.charge(span, charge.usage(), charge.cost(), charge.currency());
            }
        }
        span.end();
    }

    /** Ends the span of an attempt that failed before anything recorded it (a no-op after a recorded end). */
    void endUnrecorded(Throwable error) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        span.setAttribute(Tracing.OUTCOME, "failed");
        Tracing.failed(span, Tracing.errorType(error));
        span.end();
    }
}
