package dev.switchboard.core.internal.audit;

import dev.switchboard.core.CallRecord;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.cache.CacheStatus;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.chain.Causes;
import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.ForwardingStreamListener;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.routing.RoutingDecision;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link CallRecord} per request that gets past the rate limit, written when the request ends — answered,
 * refused, failed, cut or abandoned by the client — and rendered from the exchange: the verdict, the decision, the
 * typed attempts and what the answering backend produced and cost. The same record feeds the call metrics. A call
 * ends when its future does; a stream when its listener hears the end (so a tap watches it), or when the client
 * leaves.
 */
public final class AuditStep implements Step {
    private static final Logger log = LoggerFactory.getLogger(AuditStep.class);

    private final Consumer<CallRecord> audit;
    private final GatewayMetrics metrics;
    private final CompliancePolicy policy;
    /** Whether the records carry the prompt's token estimate (the audit log writes it). */
    private final boolean countTokens;

    public AuditStep(Consumer<CallRecord> audit, GatewayMetrics metrics, CompliancePolicy policy) {
        this(audit, metrics, policy, false);
    }

    /**
     * @param countTokens count the prompt's tokens for the record, on the request's own thread (not later, on the
     *                    audit log's one writer), when a decision did not need them itself
     */
    public AuditStep(Consumer<CallRecord> audit, GatewayMetrics metrics, CompliancePolicy policy,
            boolean countTokens) {
        this.audit = audit;
        this.metrics = metrics;
        this.policy = policy;
        this.countTokens = countTokens;
    }

    @Override
    public String name() {
        return "audit";
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        AtomicBoolean recorded = new AtomicBoolean();
        // A started stream the client left ends on no future and no listener call: its record is written when the
        // backend step has won the stream's ticket for the cancel (its hook runs before this one). A cancel that
        // lost to the stream's end leaves the end to be recorded, as the ledger settled it.
        x.onCancel(() -> {
            if (x.abandoned()) {
                record(x, recorded, 499, "client_closed");
            }
        });
        if (x.streamed()) {
            x.tapStream(l -> new Recording(x, recorded, l));
        }
        // Everything else is recorded when the chain's future settles, so the record holds what every step did.
        return next.proceed(x).whenComplete((reply, error) -> {
            if (error != null) {
                Throwable t = Causes.of(error);
                if (t instanceof CancellationException && x.cancelled()) {
                    record(x, recorded, 499, "client_closed");
                    return;
                }
                GatewayException g = t instanceof GatewayException ge ? ge : null;
                record(x, recorded, g == null ? 500 : g.status(), g == null ? "internal_error" : g.kind().code());
            } else if (!x.streamed()) {
                record(x, recorded, 200, null);
            }
            // A stream that started is recorded when it ends (the Recording tap), or as above when the client left.
        });
    }

    private void record(Exchange x, AtomicBoolean recorded, int status, String error) {
        if (!recorded.compareAndSet(false, true)) {
            return;
        }
        try {
            Exchange.Charge charge = x.charge();
            Verdict verdict = x.judged() ? x.verdict()
                    : new Verdict(Assessment.CLEAN, Verdict.Outcome.CLEAN);
            RoutingDecision decision = x.decision();
            if (decision != null) {
                if (countTokens) {
                    decision.promptTokens();
                }
                decision = decision.detached(); // the record outlives the request: it must not hold its body
            }
            java.util.List<dev.switchboard.core.Attempt> attempts = x.attempts();
            // What the client chose (its request id, tenant header, model name) is recorded as policy.recordable
            // has it: customer data a client put there is never written to the audit log, the access log or metrics.
            CallRecord r = new CallRecord(x.arrived(), policy.recordable(x.request().requestId()),
                    policy.recordable(x.request().tenant()), policy.recordable(x.request().body().model()),
                    x.request().body().stream(), decision, attempts,
                    charge.backend(), status, error, charge.usage(), charge.cost(), charge.currency(), x.millis(),
                    verdict.found(), policy.recorded(verdict, x.cache() == CacheStatus.HIT, charge.sentMasked(),
                            !attempts.isEmpty()),
                    policy.logsPrompts() ? x.request().body().promptText() : null, traceId(x), x.cache(),
                    x.firstTokenMillis());
            // The request's span is current while its duration is recorded, so a histogram bucket's exemplar names
            // this trace (where the registry keeps exemplars).
            io.opentelemetry.context.Context trace = x.traceContext();
            try (io.opentelemetry.context.Scope current = trace == null ? io.opentelemetry.context.Scope.noop()
                    : trace.makeCurrent()) {
                metrics.call(r);
            }
            audit.accept(r);
        } catch (RuntimeException e) {
            log.error("request {}: recording the call failed", x.request().requestId(), e);
        }
    }

    /** The trace the request's spans are in, when it is traced (sampled or not: the id links the record). */
    private static String traceId(Exchange x) {
        io.opentelemetry.context.Context trace = x.traceContext();
        if (trace == null) {
            return null;
        }
        io.opentelemetry.api.trace.SpanContext span = io.opentelemetry.api.trace.Span.fromContext(trace)
                .getSpanContext();
        return span.isValid() ? span.getTraceId() : null;
    }

    /** Records a started stream when it ends; passes everything on. */
    private final class Recording extends ForwardingStreamListener {
        private final Exchange x;
        private final AtomicBoolean recorded;

        Recording(Exchange x, AtomicBoolean recorded, StreamListener listener) {
            super(listener);
            this.x = x;
            this.recorded = recorded;
        }

        @Override
        public void onComplete(Usage usage, String finishReason) {
            record(x, recorded, 200, null);
            next.onComplete(usage, finishReason);
        }

        @Override
        public void onError(GatewayException error, boolean started) {
            if (started) {
                record(x, recorded, 200, "stream_cut");
            } else {
                record(x, recorded, error.status(), error.kind().code());
            }
            next.onError(error, started);
        }
    }
}
