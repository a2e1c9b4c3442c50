package dev.switchboard.core.internal.chain;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.internal.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The ordered list of steps every request goes through, calls and streams alike — written down once, here, in the
 * order {@code Gateway} assembles it and {@code /admin/config} prints it. Each step receives the exchange and the rest
 * of the chain; the links between them are made once, not per request.
 *
 * <p>Between two steps the chain checks whether the client has left (nothing further is started then) and turns a
 * step that throws instead of failing its future into a failed future, so one bug cannot hang a caller.
 */
public final class RequestChain {
    private final List<Step> steps;
    private final Chain first;

    public RequestChain(List<Step> steps) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a chain needs at least one step");
        }
        this.steps = List.copyOf(steps);
        Chain next = x -> CompletableFuture.failedFuture(new IllegalStateException(
                "the last step of the chain (" + this.steps.get(this.steps.size() - 1).name() + ") called on"));
        for (int i = this.steps.size() - 1; i >= 0; i--) {
            next = link(this.steps.get(i), next);
        }
        this.first = next;
    }

    private static Chain link(Step step, Chain rest) {
        return x -> {
            if (x.calledOff()) {
                return CompletableFuture.failedFuture(new CancellationException("the client left, or the attempt "
                        + "was called off"));
            }
            try {
                CompletableFuture<Reply> reply = recording(x) ? traced(step, x, rest) : step.proceed(x, rest);
                return reply != null ? reply : CompletableFuture.failedFuture(new IllegalStateException(
                        "step " + step.name() + " returned no reply"));
            } catch (GatewayException e) {
                return CompletableFuture.failedFuture(e);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(new GatewayException(ErrorKind.INTERNAL,
                        "step " + step.name() + " failed: " + e, e));
            }
        };
    }

    /** Whether this request's spans are recorded (traced and sampled): only then does each step get a span. */
    private static boolean recording(Exchange x) {
        Context trace = x.traceContext();
        return trace != null && Span.fromContext(trace).isRecording();
    }

    /**
     * Runs a step of a traced request in a span of its own, a child of the request's (or the attempt's) span: it
     * measures the step's own work, from entering it until it passes the request on — or, for a step that answers
     * or fails itself (a cache hit, a block, the backend), until its reply.
     */
    private static CompletableFuture<Reply> traced(Step step, Exchange x, Chain rest) {
        Span span = x.tracing().tracer().spanBuilder("switchboard." + step.name()).setParent(x.traceContext())
                .setAttribute(Tracing.STEP, step.name()).startSpan();
        AtomicBoolean ended = new AtomicBoolean();
        Chain passOn = next -> {
            if (ended.compareAndSet(false, true)) {
                span.end();
            }
            return rest.proceed(next);
        };
        CompletableFuture<Reply> reply;
        try {
            reply = step.proceed(x, passOn);
        } catch (RuntimeException e) {
            if (ended.compareAndSet(false, true)) {
                Tracing.failed(span, Tracing.errorType(e));
                span.end();
            }
            throw e;
        }
        if (reply == null) {
            if (ended.compareAndSet(false, true)) {
                span.end();
            }
            return null;
        }
        return reply.whenComplete((r, error) -> {
            if (ended.compareAndSet(false, true)) {
                if (error != null) {
                    Tracing.failed(span, Tracing.errorType(Causes.of(error)));
                }
                span.end();
            }
        });
    }

    /** Runs the whole chain on one exchange. */
    public CompletableFuture<Reply> run(Exchange x) {
        return first.proceed(x);
    }

    /** The steps' names in order, as {@code /admin/config} shows them. */
    public List<String> names() {
        return steps.stream().map(Step::name).toList();
    }
}
