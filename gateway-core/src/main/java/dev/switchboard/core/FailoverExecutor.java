package dev.switchboard.core;

import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.UpstreamFailure;
import dev.switchboard.core.backend.UpstreamReply;
import dev.switchboard.core.budget.BudgetReservation;
import dev.switchboard.core.state.BudgetStore;
import dev.switchboard.core.state.CapacityGate;
import dev.switchboard.core.state.StateUnavailableException;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.BudgetSpec;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.Masking;
import dev.switchboard.core.compliance.PlaceholderRestorer;
import dev.switchboard.core.compliance.RequestScanner;
import dev.switchboard.core.config.ComplianceSpec;
import dev.switchboard.core.config.Residency;
import dev.switchboard.core.config.RetrySpec;
import dev.switchboard.core.resilience.BackendBreaker;
import dev.switchboard.core.routing.Costs;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.stats.BackendStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tries a decision's candidates in order. Before each call it takes a slot of the backend's capacity and reserves
 * the call's worst-case cost against the tenant's budget; a backend that has neither is passed over, never queued
 * for. A failure moves on to the next candidate only while nothing has reached the client; a request the upstream
 * refused as invalid (4xx) is not retried elsewhere, since any backend would refuse it too. When the call ends —
 * answered, failed, cut or abandoned by the client — the slot is returned, the reservation settled to what was
 * produced, the backend's statistics updated and a {@link CallRecord} handed on.
 */
final class FailoverExecutor {
    private static final Logger log = LoggerFactory.getLogger(FailoverExecutor.class);

    /** A backend, its live statistics, its circuit breaker and its capacity gate. */
    record BackendRuntime(Backend backend, BackendStats stats, BackendBreaker breaker, CapacityGate capacity) {
        BackendSpec spec() {
            return backend.spec();
        }
    }

    private final Map<String, BackendRuntime> backends;
    private final BudgetStore ledger;
    private final Clock clock;
    private final Consumer<CallRecord> onFinish;
    private final RetrySpec retry;
    private final ScheduledExecutorService timers;
    private final RandomGenerator random;
    final GatewayMetrics metrics;
    private final ComplianceSpec compliance;
    private final RequestScanner scanner;

    FailoverExecutor(Map<String, BackendRuntime> backends, BudgetStore ledger, Clock clock,
            Consumer<CallRecord> onFinish, RetrySpec retry, ScheduledExecutorService timers, RandomGenerator random,
            GatewayMetrics metrics, ComplianceSpec compliance, RequestScanner scanner) {
        this.compliance = compliance;
        this.scanner = scanner;
        this.backends = backends;
        this.ledger = ledger;
        this.clock = clock;
        this.onFinish = onFinish;
        this.retry = retry;
        this.timers = timers;
        this.random = random;
        this.metrics = metrics;
    }

    /**
     * How long to wait before trying the same backend again, or empty to move on to the next candidate: the
     * upstream's {@code Retry-After} when it sent one (if not longer than {@code max-retry-after}), else exponential
     * backoff with full jitter.
     */
    Optional<Duration> retryDelay(UpstreamFailure failure, int tries) {
        if (tries >= retry.attempts() || !failure.retryable()) {
            return Optional.empty();
        }
        if (failure.retryAfter().isPresent()) {
            Duration after = failure.retryAfter().get();
            return after.compareTo(retry.maxRetryAfter()) > 0 ? Optional.empty() : Optional.of(after);
        }
        long cap = Math.min(retry.backoffMax().toNanos(), retry.backoffMin().toNanos() << Math.min(20, tries - 1));
        return Optional.of(Duration.ofNanos(cap <= 0 ? 0 : random.nextLong(cap + 1)));
    }

    /** Runs a retry after its backoff; a failure inside it is logged, never lost with the timer's future. */
    void later(Duration delay, Runnable retryTask, Call call) {
        timers.schedule(() -> {
            try {
                retryTask.run();
            } catch (RuntimeException e) {
                log.error("request {}: retry failed", call.request.requestId(), e);
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Records a failure in the backend's statistics, breaker and metrics. */
    void failed(Admitted a, UpstreamFailure failure) {
        metrics.upstreamFailure(a.rt.spec().name(), failure.kind());
        if (failure.kind() == UpstreamFailure.Kind.EGRESS_REFUSED) {
            a.rt.breaker().release(); // nothing was sent: the backend learns nothing
            return;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - a.startNanos);
        if (failure.countsAgainstBackend()) {
            a.rt.stats().recordFailure();
            a.rt.breaker().onFailure(took, failure.kind().metricName());
        } else {
            a.rt.breaker().onSuccess(took); // the backend answered; the request was at fault
        }
    }

    /** The state one request carries across its attempts. */
    final class Call {
        final GatewayRequest request;
        final RoutingDecision decision;
        final Assessment sensitive;
        Masking masking;
        private ObjectNode maskedTree;
        boolean masked;
        final Instant arrived = clock.instant();
        final long startNanos = System.nanoTime();
        final List<Attempt> attempts = new ArrayList<>();
        final List<UpstreamFailure> failures = new ArrayList<>();
        int index = -1;
        int tries;
        boolean skippedForCapacity;
        boolean skippedForBudget;
        boolean skippedForBreaker;
        /** Why the shared state store refused, when it did. */
        StateUnavailableException stateFailure;

        Call(GatewayRequest request, RoutingDecision decision, Assessment sensitive) {
            this.request = request;
            this.decision = decision;
            this.sensitive = sensitive;
        }

        /**
         * The body for one backend: the client's, or — for a sensitive request bound for an external backend under
         * the {@code mask} policy — a copy with every value replaced by its placeholder.
         */
        byte[] bodyFor(BackendSpec spec, boolean stream) {
            if (sensitive.sensitive() && compliance.action() == ComplianceSpec.Action.MASK
                    && spec.residency() == Residency.EXTERNAL) {
                if (maskedTree == null) {
                    masking = new Masking();
                    try {
                        maskedTree = scanner.mask((ObjectNode) request.body().tree(), masking);
                    } catch (StackOverflowError e) {
                        // A custom pattern too deep for this text: nothing is sent; the attempt fails like any other.
                        throw new IllegalStateException("masking failed: " + e, e);
                    }
                }
                masked = true;
                return request.body().upstreamBodyOf(maskedTree, spec.model(), stream);
            }
            return request.body().upstreamBody(spec.model(), stream);
        }

        /** Whether an answer from this backend carries placeholders to put back. */
        boolean restoreFrom(BackendSpec spec) {
            return masking != null && !masking.isEmpty() && compliance.restoreMasked()
                    && spec.residency() == Residency.EXTERNAL;
        }

        /** What compliance did for the backend that answered ({@code backend} null: none did). */
        String complianceAction(String backend) {
            if (!sensitive.sensitive()) {
                return "none";
            }
            // Masked only if the masked body is what the answering backend got: a masked body the egress guard
            // refused, followed by an internal backend's answer, was not masked for that answer.
            BackendRuntime answered = backend == null ? null : backends.get(backend);
            boolean maskedForIt = masked && answered != null && answered.spec().residency() == Residency.EXTERNAL;
            return maskedForIt ? "masked" : compliance.action() == ComplianceSpec.Action.ROUTE_INTERNAL
                    ? "route-internal" : compliance.action() == ComplianceSpec.Action.MASK ? "internal-unmasked"
                    : "blocked";
        }

        /**
         * The next candidate that admits the call, or the same one again for a retry; null when none is left.
         * With the memory store every step completes at once; with a shared store each may wait for Redis.
         */
        CompletableFuture<Admitted> admitNext(boolean sameAgain) {
            if (sameAgain) {
                return admit(backends.get(decision.candidates().get(index))).thenCompose(a -> {
                    if (a != null) {
                        tries++;
                        return CompletableFuture.completedFuture(a);
                    }
                    return nextCandidate();
                });
            }
            return nextCandidate();
        }

        private CompletableFuture<Admitted> nextCandidate() {
            if (++index >= decision.candidates().size()) {
                return NOT_ADMITTED;
            }
            return admit(backends.get(decision.candidates().get(index))).thenCompose(a -> {
                if (a != null) {
                    tries = 1;
                    return CompletableFuture.completedFuture(a);
                }
                return nextCandidate();
            });
        }

        private void skip(BackendRuntime rt, String metric, String outcome) {
            metrics.skipped(rt.spec().name(), metric);
            attempts.add(new Attempt(rt.spec().name(), "skipped: " + outcome, 0));
        }

        /** Takes a breaker permit, a capacity slot and a budget reservation, or none of them (null). */
        private CompletableFuture<Admitted> admit(BackendRuntime rt) {
            // Fail closed: whatever the decision said, customer data under route-internal never leaves.
            if (dev.switchboard.core.compliance.CompliancePolicy.keepsInside(sensitive, compliance.action())
                    && rt.spec().residency() == Residency.EXTERNAL) {
                attempts.add(new Attempt(rt.spec().name(), "skipped: sensitive data stays internal", 0));
                return NOT_ADMITTED;
            }
            if (!rt.breaker().tryAcquire()) {
                skippedForBreaker = true;
                skip(rt, "circuit_open", "circuit open");
                return NOT_ADMITTED;
            }
            // The slot and the reservation are asked for together: with a shared store that is one round trip of
            // waiting instead of two. Whichever is refused, the other is given back.
            CompletableFuture<CapacityGate.Slot> slot;
            CompletableFuture<Optional<BudgetReservation>> reservation;
            try {
                slot = rt.capacity().acquire();
                reservation = reserve(rt);
            } catch (RuntimeException e) {
                rt.breaker().release();
                return CompletableFuture.failedFuture(e);
            }
            return slot.handle(Outcome::new).thenCombine(reservation.handle(Outcome::new), (s, r) -> {
                if (s.error == null && s.value != null && r.error == null && r.value.isPresent()) {
                    return new Admitted(rt, s.value, r.value.get(), System.nanoTime());
                }
                if (s.error == null && s.value != null) {
                    s.value.release();
                }
                if (r.error == null && r.value.isPresent()) {
                    r.value.get().release();
                }
                rt.breaker().release();
                // One reason per candidate, in the order a sequential check would have given it.
                if (s.error != null || (s.value != null && r.error != null)) {
                    stateFailure = stateFailure(s.error != null ? s.error : r.error);
                    skip(rt, "state_unavailable", "shared state unavailable");
                } else if (s.value == null) {
                    skippedForCapacity = true;
                    skip(rt, "at_capacity", "at capacity");
                } else {
                    skippedForBudget = true;
                    skip(rt, "over_budget", "over budget");
                }
                return null;
            });
        }

        /** The reservation of this call's worst case on a backend. */
        private CompletableFuture<Optional<BudgetReservation>> reserve(BackendRuntime rt) {
            boolean internalOnly = rt.spec().residency() == Residency.INTERNAL && ledger.budget(request.tenant())
                    .map(b -> b.whenExhausted() == BudgetSpec.WhenExhausted.INTERNAL_ONLY).orElse(false);
            Integer maxTokens = request.body().maxTokens().isPresent() ? request.body().maxTokens().getAsInt()
                    : null;
            double worst = Costs.worstCase(rt.spec(), decision.promptTokens(), maxTokens);
            return ledger.reserve(request.tenant(), worst, internalOnly, rt.spec().residency());
        }

        GatewayException exhausted() {
            if (dev.switchboard.core.compliance.CompliancePolicy.keepsInside(sensitive, compliance.action())) {
                return new GatewayException(ErrorKind.UNAVAILABLE, "no internal backend could serve this request, "
                        + "which holds customer data (" + sensitive.describe() + "); it is never sent outside ("
                        + attempts.stream().map(a -> a.backend() + ": " + a.outcome())
                        .collect(java.util.stream.Collectors.joining("; ")) + ")");
            }
            if (!failures.isEmpty() && failures.stream().allMatch(f -> f.kind() == UpstreamFailure.Kind.EGRESS_REFUSED)) {
                return new GatewayException(ErrorKind.UNAVAILABLE, "no internal backend could serve this request, "
                        + "and the egress guard found customer data in what would have left for an external one; it "
                        + "is never sent outside (" + attempts.stream().map(a -> a.backend() + ": " + a.outcome())
                        .collect(java.util.stream.Collectors.joining("; ")) + ")");
            }
            if (failures.isEmpty() && stateFailure != null && !skippedForCapacity && !skippedForBudget) {
                return stateFailure;
            }
            boolean unreachable = failures.stream().allMatch(f -> f.kind() == UpstreamFailure.Kind.CONNECT);
            if (unreachable && (skippedForBreaker || !failures.isEmpty()) && !skippedForBudget) {
                return new GatewayException(ErrorKind.UNAVAILABLE, "no backend of route '" + decision.route()
                        + "' is reachable now (" + attempts.stream().map(a -> a.backend() + ": " + a.outcome())
                        .collect(java.util.stream.Collectors.joining("; ")) + "); retry shortly");
            }
            if (failures.isEmpty() && skippedForCapacity) {
                return new GatewayException(ErrorKind.UNAVAILABLE, "every candidate backend is at capacity ("
                        + String.join(", ", decision.candidates()) + "); retry shortly");
            }
            if (failures.isEmpty() && skippedForBudget) {
                return new GatewayException(ErrorKind.BUDGET_EXHAUSTED, "tenant '" + request.tenant()
                        + "' has not enough budget left for this request on any candidate backend");
            }
            StringBuilder sb = new StringBuilder("all backends failed for route '").append(decision.route())
                    .append("': ");
            for (int i = 0; i < failures.size(); i++) {
                sb.append(i == 0 ? "" : "; ").append(failures.get(i).getMessage());
            }
            boolean allTimeouts = !failures.isEmpty()
                    && failures.stream().allMatch(f -> f.kind() == UpstreamFailure.Kind.TIMEOUT);
            return new GatewayException(allTimeouts ? ErrorKind.UPSTREAM_TIMEOUT : ErrorKind.UPSTREAM_ERROR,
                    sb.toString());
        }

        void record(String backend, int status, String error, Usage usage, double cost, String currency) {
            try {
                CallRecord r = new CallRecord(arrived, request.requestId(), request.tenant(), request.body().model(),
                        request.body().stream(), decision, attempts, backend, status, error, usage, cost, currency,
                        (System.nanoTime() - startNanos) / 1_000_000, sensitive, complianceAction(backend),
                        compliance.logPrompts() ? request.body().promptText() : null);
                metrics.call(r);
                onFinish.accept(r);
            } catch (RuntimeException e) {
                log.error("request {}: recording the call failed", request.requestId(), e);
            }
        }
    }

    private static final CompletableFuture<Admitted> NOT_ADMITTED = CompletableFuture.completedFuture(null);

    /** A future's value or error, side by side. */
    private record Outcome<T>(T value, Throwable error) {
    }

    private static StateUnavailableException stateFailure(Throwable error) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return t instanceof StateUnavailableException s ? s
                : new StateUnavailableException("the shared state store failed: " + t, t);
    }

    /** A candidate admitted for one attempt: its slot and reservation are held until {@link #finish}. */
    final class Admitted {
        final BackendRuntime rt;
        final CapacityGate.Slot slot;
        final BudgetReservation reservation;
        final long startNanos;
        private final AtomicBoolean finished = new AtomicBoolean();

        Admitted(BackendRuntime rt, CapacityGate.Slot slot, BudgetReservation reservation, long startNanos) {
            this.rt = rt;
            this.slot = slot;
            this.reservation = reservation;
            this.startNanos = startNanos;
        }

        /** The call worked: statistics and breaker learn it. */
        void succeeded() {
            rt.stats().recordSuccess();
            rt.breaker().onSuccess(Duration.ofNanos(System.nanoTime() - startNanos));
        }

        /** Returns the slot and settles the reservation, once. */
        boolean finish(double cost) {
            if (!finished.compareAndSet(false, true)) {
                return false;
            }
            slot.release();
            reservation.settle(cost);
            return true;
        }

        long millis() {
            return (System.nanoTime() - startNanos) / 1_000_000;
        }
    }

    CompletableFuture<GatewayResponse> send(GatewayRequest request, RoutingDecision decision, Assessment sensitive) {
        CompletableFuture<GatewayResponse> result = new CompletableFuture<>();
        attempt(new Call(request, decision, sensitive), result, false);
        return result;
    }

    private void attempt(Call call, CompletableFuture<GatewayResponse> result, boolean sameAgain) {
        if (result.isDone()) {
            return;
        }
        call.admitNext(sameAgain).whenComplete((a, error) -> {
            if (error != null) {
                log.error("request {}: admission failed", call.request.requestId(), error);
                result.completeExceptionally(new GatewayException(ErrorKind.INTERNAL, "admission failed: " + error,
                        error));
            } else if (a == null) {
                GatewayException e = call.exhausted();
                call.record(null, e.status(), e.kind().code(), Usage.UNKNOWN, 0, "");
                result.completeExceptionally(e);
            } else if (result.isDone()) {
                // The client left while admission waited for the state store: nothing is sent, all given back.
                if (a.finish(0)) {
                    a.rt.breaker().release();
                }
            } else {
                try {
                    call(call, result, a);
                } catch (RuntimeException e) {
                    // A bug must not hang the caller nor hold the slot, reservation and permit for ever.
                    log.error("request {}: starting the upstream call failed", call.request.requestId(), e);
                    if (a.finish(0)) {
                        a.rt.breaker().release();
                    }
                    result.completeExceptionally(new GatewayException(ErrorKind.INTERNAL,
                            "starting the upstream call failed: " + e, e));
                }
            }
        });
    }

    /** One call to an admitted backend. */
    private void call(Call call, CompletableFuture<GatewayResponse> result, Admitted a) {
        BackendSpec spec = a.rt.spec();
        byte[] body = call.bodyFor(spec, false);
        CompletableFuture<UpstreamReply> upstream = a.rt.backend().send(call.request.body().operation(), body);
        result.whenComplete((r, t) -> {
            if (result.isCancelled()) {
                upstream.cancel(true);
                // The client left: nothing was delivered, so nothing is charged.
                if (a.finish(0)) {
                    a.rt.breaker().release();
                    call.attempts.add(new Attempt(spec.name(), "cancelled: client left", a.millis()));
                    call.record(spec.name(), 499, "client_closed", Usage.UNKNOWN, 0, spec.price().currency());
                }
            }
        });
        upstream.whenComplete((reply, error) -> {
            if (error == null) {
                Usage usage = UsageReader.fromBody(reply.body());
                double cost = usage.known() ? Costs.actual(spec, usage.promptTokens(), usage.completionTokens())
                        : Costs.estimate(spec, call.decision.promptTokens(), call.decision.expectedOutputTokens());
                long millis = a.millis();
                if (!a.finish(cost)) {
                    return;
                }
                a.succeeded();
                if (usage.known() && millis > 0) {
                    a.rt.stats().recordTokensPerSecond(usage.completionTokens() * 1000.0 / millis);
                }
                call.attempts.add(new Attempt(spec.name(), "ok", millis));
                call.record(spec.name(), 200, null, usage, cost, spec.price().currency());
                byte[] answer = call.restoreFrom(spec) ? PlaceholderRestorer.restoreBody(reply.body(), call.masking)
                        : reply.body();
                result.complete(new GatewayResponse(answer, reply.contentType(), call.request.requestId(),
                        call.decision, spec.name(), usage, List.copyOf(call.attempts), cost, spec.price().currency(),
                        "bypass"));
                return;
            }
            UpstreamFailure failure = unwrap(error, spec.name());
            if (failure.kind() == UpstreamFailure.Kind.CANCELLED || !a.finish(0)) {
                return;
            }
            log.warn("request {} backend {} failed: {}", call.request.requestId(), spec.name(), failure.getMessage());
            call.attempts.add(attempt(spec.name(), failure, a.millis()));
            failed(a, failure);
            if (failure.isClientError()) {
                GatewayException e = rejected(failure);
                call.record(spec.name(), e.status(), e.kind().code(), Usage.UNKNOWN, 0, spec.price().currency());
                result.completeExceptionally(e);
                return;
            }
            call.failures.add(failure);
            Optional<Duration> delay = retryDelay(failure, call.tries);
            if (delay.isPresent()) {
                metrics.retry(spec.name());
                later(delay.get(), () -> attempt(call, result, true), call);
            } else {
                attempt(call, result, false);
            }
        });
    }

    StreamCall stream(GatewayRequest request, RoutingDecision decision, Assessment sensitive,
            StreamListener listener) {
        StreamAttempts attempts = new StreamAttempts(this, new Call(request, decision, sensitive), listener);
        attempts.next(false);
        return attempts;
    }

    private static UpstreamFailure unwrap(Throwable error, String backend) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (t instanceof UpstreamFailure f) {
            return f;
        }
        if (t instanceof java.util.concurrent.CancellationException) {
            return new UpstreamFailure(UpstreamFailure.Kind.CANCELLED, backend, "cancelled", 0, null, null, t);
        }
        return new UpstreamFailure(UpstreamFailure.Kind.IO, backend, "backend '" + backend + "' failed: " + t, 0,
                null, null, t);
    }

    /** The attempt of a failed call: refused by the egress guard (nothing sent), or failed. */
    static Attempt attempt(String backend, UpstreamFailure failure, long millis) {
        return new Attempt(backend, (failure.kind() == UpstreamFailure.Kind.EGRESS_REFUSED ? Attempt.REFUSED
                : "failed: ") + failure.getMessage(), millis);
    }

    static GatewayException rejected(UpstreamFailure failure) {
        String message = UsageReader.errorMessage(failure.body());
        return new GatewayException(ErrorKind.UPSTREAM_REJECTED, failure.status(), "backend '" + failure.backend()
                + "' rejected the request (HTTP " + failure.status() + ")" + (message.isEmpty() ? "" : ": " + message),
                null, failure);
    }
}
