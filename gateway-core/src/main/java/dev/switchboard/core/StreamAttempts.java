package dev.switchboard.core;

import dev.switchboard.core.backend.StreamSink;
import dev.switchboard.core.backend.UpstreamFailure;
import dev.switchboard.core.backend.UpstreamStream;
import dev.switchboard.core.compliance.PlaceholderRestorer;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.routing.Costs;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One streamed request across its candidates: admission, the upstream stream, failover while nothing has reached
 * the client, and the accounting of a stream that ends, is cut or is abandoned (a cut stream is charged for the
 * prompt and one token per chunk delivered). The non-streamed path and the admission rules are
 * {@link FailoverExecutor}'s.
 */
final class StreamAttempts implements StreamCall {
    private static final Logger log = LoggerFactory.getLogger(StreamAttempts.class);

    private final FailoverExecutor executor;
    private final FailoverExecutor.Call call;
    private final StreamListener listener;
    private final AtomicReference<Attempted> current = new AtomicReference<>();

    /** The stream of one attempt, numbered in the order attempts started. */
    private record Attempted(int attempt, UpstreamStream stream) {
    }
    /** Attempts started; a backend that fails inside {@code stream()} (the egress guard) starts the next at once. */
    private final java.util.concurrent.atomic.AtomicInteger attemptsStarted = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicReference<FailoverExecutor.Admitted> admitted = new AtomicReference<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private volatile int delivered;

    StreamAttempts(FailoverExecutor executor, FailoverExecutor.Call call, StreamListener listener) {
        this.executor = executor;
        this.call = call;
        this.listener = listener;
    }

    /** What a cut stream cost: the prompt, and one token per chunk the client received. */
    private double partialCost(BackendSpec spec) {
        return Costs.estimate(spec, call.decision.promptTokens(), 0)
                + Costs.actual(spec, 0, Math.max(0, delivered - 1));
    }

    void next(boolean sameAgain) {
        if (cancelled.get()) {
            return;
        }
        call.admitNext(sameAgain).whenComplete((a, error) -> {
            if (error != null) {
                log.error("request {}: admission failed", call.request.requestId(), error);
                listener.onError(new GatewayException(ErrorKind.INTERNAL, "admission failed: " + error, error),
                        false);
            } else if (a == null) {
                GatewayException e = call.exhausted();
                call.record(null, e.status(), e.kind().code(), Usage.UNKNOWN, 0, "");
                listener.onError(e, false);
            } else {
                try {
                    start(a);
                } catch (RuntimeException e) {
                    log.error("request {}: starting the upstream stream failed", call.request.requestId(), e);
                    if (a.finish(0)) {
                        a.rt.breaker().release();
                    }
                    listener.onError(new GatewayException(ErrorKind.INTERNAL,
                            "starting the upstream stream failed: " + e, e), false);
                }
            }
        });
    }

    private void start(FailoverExecutor.Admitted a) {
        int attempt = attemptsStarted.incrementAndGet();
        admitted.set(a);
        BackendSpec spec = a.rt.spec();
        if (cancelled.get()) {
            // The client left while admission waited for the state store: give everything back.
            if (a.finish(0)) {
                a.rt.breaker().release();
                call.attempts.add(new Attempt(spec.name(), "cancelled: client left", a.millis()));
                call.record(spec.name(), 499, "client_closed", Usage.UNKNOWN, 0, spec.price().currency());
            }
            return;
        }
        byte[] body = call.bodyFor(spec, true);
        PlaceholderRestorer restorer = call.restoreFrom(spec) ? new PlaceholderRestorer(call.masking) : null;
        UpstreamStream stream = a.rt.backend().stream(body, call.request.body().clientWantsUsage(),
                new StreamSink() {
                    private boolean started;
                    private long firstEventNanos;

                    private void start() {
                        started = true;
                        firstEventNanos = System.nanoTime();
                        a.rt.stats().recordFirstToken(Duration.ofNanos(firstEventNanos - a.startNanos));
                        executor.metrics.firstToken(spec.name(), Duration.ofNanos(firstEventNanos - a.startNanos));
                        listener.onStart(call.decision, spec.name());
                    }

                    @Override
                    public void onEvent(String data) {
                        if (!started) {
                            start();
                        }
                        delivered++;
                        listener.onEvent(restorer == null ? data : restorer.restoreChunk(data));
                    }

                    @Override
                    public void onIdle() {
                        listener.onIdle();
                    }

                    @Override
                    public boolean ready() {
                        return listener.ready();
                    }

                    @Override
                    public void whenReady(Runnable resume) {
                        listener.whenReady(resume);
                    }

                    @Override
                    public void onDone(Usage usage, String finishReason) {
                        if (!started) {
                            start();
                        }
                        double cost = usage.known()
                                ? Costs.actual(spec, usage.promptTokens(), usage.completionTokens())
                                : partialCost(spec);
                        long generationNanos = System.nanoTime() - firstEventNanos;
                        if (!a.finish(cost)) {
                            return;
                        }
                        a.succeeded();
                        if (usage.known() && usage.completionTokens() > 1 && generationNanos > 0) {
                            a.rt.stats().recordTokensPerSecond((usage.completionTokens() - 1) * 1e9
                                    / generationNanos);
                        }
                        call.attempts.add(new Attempt(spec.name(), "ok", a.millis()));
                        call.record(spec.name(), 200, null, usage, cost, spec.price().currency());
                        String rest = restorer == null ? null : restorer.remainder();
                        if (rest != null) {
                            listener.onEvent(rest);
                        }
                        listener.onComplete(usage, finishReason);
                    }

                    @Override
                    public void onFailure(UpstreamFailure failure, int eventsDelivered) {
                        if (failure.kind() == UpstreamFailure.Kind.CANCELLED || cancelled.get()) {
                            return;
                        }
                        double cost = started ? partialCost(spec) : 0;
                        if (!a.finish(cost)) {
                            return;
                        }
                        log.warn("request {} backend {} stream failed after {} events: {}",
                                call.request.requestId(), spec.name(), eventsDelivered, failure.getMessage());
                        call.attempts.add(FailoverExecutor.attempt(spec.name(), failure, a.millis()));
                        executor.failed(a, failure);
                        if (started) {
                            GatewayException e = new GatewayException(ErrorKind.UPSTREAM_ERROR,
                                    failure.getMessage() + "; the answer is incomplete");
                            call.record(spec.name(), 200, "stream_cut", Usage.UNKNOWN, cost,
                                    spec.price().currency());
                            listener.onError(e, true);
                        } else if (failure.isClientError()) {
                            GatewayException e = FailoverExecutor.rejected(failure);
                            call.record(spec.name(), e.status(), e.kind().code(), Usage.UNKNOWN, 0,
                                    spec.price().currency());
                            listener.onError(e, false);
                        } else {
                            call.failures.add(failure);
                            Optional<Duration> delay = executor.retryDelay(failure, call.tries);
                            if (delay.isPresent()) {
                                executor.metrics.retry(spec.name());
                                executor.later(delay.get(), () -> next(true), call);
                            } else {
                                next(false);
                            }
                        }
                    }
                });
        // Keep the newest attempt's stream: one that failed within stream() has already started the next.
        Attempted mine = new Attempted(attempt, stream);
        if (current.accumulateAndGet(mine, (was, now) -> was == null || now.attempt() >= was.attempt() ? now : was)
                != mine) {
            return;
        }
        if (cancelled.get()) {
            stream.cancel(); // the client left while this attempt was starting
        }
    }

    @Override
    public void cancel() {
        if (cancelled.compareAndSet(false, true)) {
            Attempted s = current.get();
            if (s != null) {
                s.stream().cancel();
            }
            FailoverExecutor.Admitted a = admitted.get();
            if (a != null) {
                BackendSpec spec = a.rt.spec();
                double cost = delivered > 0 ? partialCost(spec) : 0;
                if (a.finish(cost)) {
                    a.rt.breaker().release();
                    call.attempts.add(new Attempt(spec.name(), "cancelled: client left after " + delivered
                            + " events", a.millis()));
                    call.record(spec.name(), 499, "client_closed", Usage.UNKNOWN, cost, spec.price().currency());
                }
            }
        }
    }
}
