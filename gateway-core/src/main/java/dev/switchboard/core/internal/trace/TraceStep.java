package dev.switchboard.core.internal.trace;

import dev.switchboard.core.GatewayException;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.internal.chain.Causes;
import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.ForwardingStreamListener;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import dev.switchboard.core.routing.RoutingDecision;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * The request's span ({@code chat gpt-4o}), first in the chain so that a shed or rate-limited request has one too;
 * every later step and every attempt hangs below it. It ends when the request does — as the audit record is written:
 * a call when its future settles, a stream when its listener hears the end, either when the client leaves — and
 * carries what the request came to: route, rule, decision, backend, cache, compliance verdict, tokens, cost.
 */
public final class TraceStep implements Step {
    private final Tracing tracing;
    private final Function<String, String> upstreamModel;
    private final java.util.function.UnaryOperator<String> recordable;

    /** @param upstreamModel the model a backend serves, by backend name (null when unknown) */
    /**
     * @param recordable what of a client's string (its model name, request id, tenant) a span may carry: customer
     *                   data in it is written as its kind, as in every other record
     */
    public TraceStep(Tracing tracing, Function<String, String> upstreamModel,
            java.util.function.UnaryOperator<String> recordable) {
        this.tracing = tracing;
        this.upstreamModel = upstreamModel;
        this.recordable = recordable;
    }

    @Override
    public String name() {
        return "trace";
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        String op = Tracing.operationName(x.operation());
        String model = recordable.apply(x.request().body().model());
        Context parent = tracing.parentOf(x.request());
        Span span = tracing.tracer().spanBuilder(model == null ? op : op + " " + model)
                .setParent(parent)
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(Tracing.OPERATION, op)
                .setAttribute(Tracing.REQUEST_MODEL, model == null ? "" : model)
                .setAttribute(Tracing.REQUEST_ID, recordable.apply(x.request().requestId()))
                .setAttribute(Tracing.TENANT, recordable.apply(x.request().tenant()))
                .startSpan();
        // Below the request's span, with the parent's baggage, which goes on to the backends with the trace.
        x.traced(tracing, parent.with(span));
        AtomicBoolean ended = new AtomicBoolean();
        x.onCancel(() -> end(span, ended, x, "client_closed", List::of));
        if (x.streamed()) {
            x.tapStream(l -> new Ending(l, span, ended, x));
        }
        return next.proceed(x).whenComplete((reply, error) -> {
            if (error != null) {
                Throwable t = Causes.of(error);
                if (t instanceof CancellationException && x.cancelled()) {
                    end(span, ended, x, "client_closed", List::of);
                    return;
                }
                end(span, ended, x, Tracing.errorType(t), List::of);
            } else if (!x.streamed()) {
                // Read from the answer only for a span that records them (most are not sampled).
                end(span, ended, x, null, reply instanceof Reply.Answer a
                        ? () -> dev.switchboard.core.internal.backend.UsageReader.finishReasons(a.body()) : List::of);
            }
        });
    }

    /** Ends the request's span with what the request came to; {@code errorType} null when it was answered. */
    private void end(Span span, AtomicBoolean ended, Exchange x, String errorType,
            java.util.function.Supplier<List<String>> finishReasons) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        try {
            describe(span, x, errorType, finishReasons);
        } finally {
            span.end(); // whatever describing it did
        }
    }

    private void describe(Span span, Exchange x, String errorType,
            java.util.function.Supplier<List<String>> finishReasons) {
        if (span.isRecording()) {
            RoutingDecision d = x.decision();
            if (d != null) {
                span.setAttribute(Tracing.ROUTE, d.route());
                span.setAttribute(Tracing.RULE, (long) d.ruleIndex());
                span.setAttribute(Tracing.DECISION_ID, d.id());
            }
            span.setAttribute(Tracing.CACHE, x.cache().wire());
            if (x.judged()) {
                span.setAttribute(Tracing.COMPLIANCE, x.verdict().describe());
                if (x.verdict().sensitive()) {
                    span.setAttribute(Tracing.DETECTED, List.copyOf(x.verdict().found().kinds()));
                }
            }
            Exchange.Charge charge = x.charge();
            if (charge.backend() != null) {
                span.setAttribute(Tracing.BACKEND, charge.backend());
                String upstream = upstreamModel.apply(charge.backend());
                if (upstream != null) {
                    span.setAttribute(Tracing.RESPONSE_MODEL, upstream);
                }
                Tracing.charge(span, charge.usage(), charge.cost(), charge.currency());
            }
            List<String> reasons = finishReasons.get();
            if (!reasons.isEmpty()) {
                span.setAttribute(Tracing.FINISH_REASONS, reasons);
            }
            if (errorType != null) {
                Tracing.failed(span, errorType);
            }
        }
    }

    /** Ends a started stream's span when the stream ends; passes everything on. */
    private final class Ending extends ForwardingStreamListener {
        private final Span span;
        private final AtomicBoolean ended;
        private final Exchange x;

        Ending(StreamListener next, Span span, AtomicBoolean ended, Exchange x) {
            super(next);
            this.span = span;
            this.ended = ended;
            this.x = x;
        }

        @Override
        public void onComplete(Usage usage, String finishReason) {
            end(span, ended, x, null, () -> finishReason == null ? List.of() : List.of(finishReason));
            next.onComplete(usage, finishReason);
        }

        @Override
        public void onError(GatewayException error, boolean started) {
            end(span, ended, x, started ? "stream_cut" : error.kind().code(), List::of);
            next.onError(error, started);
        }
    }
}
