package dev.switchboard.core.internal.failover;

import dev.switchboard.core.Attempt;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.Scheduler;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.backend.UpstreamFailure;
import dev.switchboard.core.config.HedgeSpec;
import dev.switchboard.core.config.RetrySpec;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.admission.NotAdmitted;
import dev.switchboard.core.internal.backend.BackendRegistry;
import dev.switchboard.core.internal.backend.BackendRuntime;
import dev.switchboard.core.internal.backend.UsageReader;
import dev.switchboard.core.internal.chain.Causes;
import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.internal.state.CoolDowns;
import dev.switchboard.core.internal.state.StateUnavailableException;
import dev.switchboard.core.routing.RoutingDecision;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tries the decision's candidates in order, calling the rest of the chain (admission, then the backend) once per
 * attempt. A candidate admission passes over is left at once; a failure moves on only while nothing has reached
 * the client (the reply future fails only then); a request the upstream refused as invalid (4xx) is not retried
 * elsewhere, since any backend would refuse it too. A retryable failure is retried on the same backend after the
 * upstream's {@code Retry-After} or a jittered backoff, up to {@code retry.attempts} tries. When none is left, the
 * client gets the error that says why, built from the typed attempts.
 */
public final class FailoverStep implements Step {
    private static final Logger log = LoggerFactory.getLogger(FailoverStep.class);

    private final BackendRegistry backends;
    private final RetrySpec retry;
    private final Scheduler scheduler;
    private final RandomGenerator random;
    private final GatewayMetrics metrics;
    private final CoolDowns coolDowns;
    private final Clock clock;

    private final CompliancePolicy policy;

    /** The budget level that is reached for a tenant, in words, to name it in a refusal. */
    private final java.util.function.Function<String, java.util.Optional<String>> budgetLevel;

    public FailoverStep(BackendRegistry backends, RetrySpec retry, Scheduler scheduler,
            RandomGenerator random, GatewayMetrics metrics, CoolDowns coolDowns, Clock clock, CompliancePolicy policy) {
        this(backends, retry, scheduler, random, metrics, coolDowns, clock, policy, t -> java.util.Optional.empty());
    }

    public FailoverStep(BackendRegistry backends, RetrySpec retry, Scheduler scheduler,
            RandomGenerator random, GatewayMetrics metrics, CoolDowns coolDowns, Clock clock, CompliancePolicy policy,
            java.util.function.Function<String, java.util.Optional<String>> budgetLevel) {
        this.budgetLevel = budgetLevel;
        this.policy = policy;
        this.coolDowns = coolDowns;
        this.clock = clock;
        this.backends = backends;
        this.retry = retry;
        this.scheduler = scheduler;
        this.random = random;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "failover";
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        Trial trial = new Trial(x, next);
        trial.attempt(false);
        return trial.result;
    }

    /**
     * How long to wait before trying the same backend again, or empty to move on to the next candidate at once:
     * only failures of a class {@code same-backend-on} names are tried again (a timeout by default is not: the
     * backend is stuck), never one that asked for a cool-down, and then after exponential backoff with full jitter.
     */
    Optional<Duration> retryDelay(UpstreamFailure failure, int tries) {
        if (tries >= retry.attempts() || failure.failureClass() == null || failure.asksForCoolDown()
                || !retry.sameBackendOn(failure.failureClass())) {
            return Optional.empty();
        }
        long cap = Math.min(retry.backoffMax().toNanos(), retry.backoffMin().toNanos() << Math.min(20, tries - 1));
        return Optional.of(Duration.ofNanos(cap <= 0 ? 0 : random.nextLong(cap + 1)));
    }

    /** One request's way through its candidates. */
    private final class Trial {
        private final Exchange x;
        private final Chain next;
        private final RoutingDecision decision;
        final CompletableFuture<Reply> result = new CompletableFuture<>();
        private final List<UpstreamFailure> failures = new ArrayList<>();
        private StateUnavailableException stateFailure;
        private int index = -1;
        private int tries;
        /** Attempts out now, each through its own view of the exchange (two while a hedge races the first). */
        private final List<Exchange> running = new ArrayList<>();
        private boolean hedged;
        private Scheduler.Cancellable hedgeTimer;

        Trial(Exchange x, Chain next) {
            this.x = x;
            this.next = next;
            this.decision = x.decision();
            // A client that leaves during a backoff is not kept waiting for the timer (attempts in flight are ended
            // by the backend step's own hooks, which run first).
            x.onCancel(() -> {
                synchronized (this) {
                    if (running.isEmpty()) {
                        result.completeExceptionally(new CancellationException("the client left"));
                    }
                }
            });
        }

        synchronized void attempt(boolean sameAgain) {
            if (result.isDone()) {
                return;
            }
            if (x.cancelled()) {
                result.completeExceptionally(new CancellationException("the client left"));
                return;
            }
            if (sameAgain) {
                tries++;
            } else if (++index >= decision.candidates().size()) {
                if (running.isEmpty()) {
                    result.completeExceptionally(exhausted());
                }
                return;
            } else {
                tries = 1;
            }
            launch(backends.get(decision.candidates().get(index)), sameAgain ? "retry" : index == 0 ? "first"
                    : "fallback");
        }

        /**
         * Sends one attempt to {@code target} through a view of its own ({@code kind}: first, retry, fallback or
         * hedge, for its trace); arms the hedge for the first one.
         */
        private void launch(BackendRuntime target, String kind) {
            Exchange attempt = x.forAttempt(target, kind);
            running.add(attempt);
            armHedge(target);
            next.proceed(attempt).whenComplete((reply, error) -> {
                if (error != null) {
                    attempt.attemptEnded(Causes.of(error)); // its span, when nothing recorded the attempt
                }
                done(attempt, target, reply, Causes.of(error));
            });
        }

        /**
         * With hedging on this rule: if the first attempt has not answered (or started its stream) by the rule's
         * time, the next candidate starts too — never to an external backend for a request holding customer data.
         */
        private void armHedge(BackendRuntime first) {
            HedgeSpec hedge = decision.hedge();
            if (!hedge.enabled() || hedged || hedgeTimer != null || index + 1 >= decision.candidates().size()) {
                return;
            }
            Duration wait = hedge.after();
            if (hedge.livePercentile()) {
                java.util.OptionalDouble p95 = first.stats().snapshot().firstTokenP95Millis();
                if (p95.isPresent()) {
                    wait = Duration.ofNanos((long) (p95.getAsDouble() * 1_000_000));
                }
            }
            hedgeTimer = scheduler.after(wait, this::hedge);
        }

        private synchronized void hedge() {
            if (result.isDone() || hedged || running.size() != 1 || index + 1 >= decision.candidates().size()
                    || x.cancelled()) {
                return;
            }
            BackendRuntime second = backends.get(decision.candidates().get(index + 1));
            if (!policy.mayHedgeTo(x.verdict(), second.spec().residency())) {
                return; // customer data is never raced to an external backend
            }
            hedged = true;
            index++;
            tries = 1;
            metrics.hedge(second.name());
            log.info("request {}: no first token from {} yet, hedging with {}", x.request().requestId(),
                    running.get(0).target().name(), second.name());
            launch(second, "hedge");
        }

        private synchronized void done(Exchange attempt, BackendRuntime target, Reply reply, Throwable error) {
            running.remove(attempt);
            if (error == null) {
                if (!result.isDone()) {
                    if (hedgeTimer != null) {
                        hedgeTimer.cancel();
                    }
                    // The first to answer wins; the other is called off and settled at what it used — before the
                    // reply goes up, so the response and the audit record show it.
                    new ArrayList<>(running).forEach(Exchange::callOff);
                    result.complete(reply);
                }
                return;
            }
            if (result.isDone() || attempt.calledOff() && !x.cancelled()) {
                return; // a loser's end, after the winner
            }
            failed(target, error);
        }

        private void failed(BackendRuntime target, Throwable error) {
            if (error instanceof NotAdmitted n) {
                if (n.stateFailure() != null) {
                    stateFailure = n.stateFailure();
                }
                if (running.isEmpty()) {
                    attempt(false);
                }
            } else if (error instanceof UpstreamFailure f) {
                if (f.isClientError()) {
                    result.completeExceptionally(rejected(f)); // the backend step charged it to that backend
                    new ArrayList<>(running).forEach(Exchange::callOff);
                    return;
                }
                failures.add(f);
                if (f.asksForCoolDown()) {
                    coolDown(target, f);
                }
                if (!running.isEmpty()) {
                    return; // the hedge still races: its outcome decides what comes next
                }
                Optional<Duration> delay = retryDelay(f, tries);
                if (delay.isPresent()) {
                    metrics.retry(target.name());
                    later(delay.get());
                } else {
                    attempt(false);
                }
            } else if (error instanceof GatewayException || error instanceof CancellationException) {
                result.completeExceptionally(error);
            } else {
                log.error("request {}: attempt on {} failed", x.request().requestId(), target.name(), error);
                result.completeExceptionally(new GatewayException(ErrorKind.INTERNAL,
                        "attempt on backend '" + target.name() + "' failed: " + error, error));
            }
        }

        /**
         * The backend asked every caller to stay away: it is left out of routing and admission until then (capped
         * by {@code max-retry-after}), on every sidecar sharing the store; this request moves on at once.
         */
        private void coolDown(BackendRuntime target, UpstreamFailure f) {
            Duration after = f.retryAfter().get();
            Duration capped = after.compareTo(retry.maxRetryAfter()) > 0 ? retry.maxRetryAfter() : after;
            java.time.Instant until = clock.instant().plus(capped);
            coolDowns.coolDown(target.name(), until);
            metrics.coolDown(target.name());
            log.info("backend {} answered HTTP {} with Retry-After {} ms: cooling down until {}", target.name(),
                    f.status(), after.toMillis(), until);
        }

        /** Retries after its backoff; a failure inside it is logged, never lost with the timer's future. */
        private void later(Duration delay) {
            scheduler.after(delay, () -> {
                try {
                    attempt(true);
                } catch (RuntimeException e) {
                    log.error("request {}: retry failed", x.request().requestId(), e);
                    result.completeExceptionally(new GatewayException(ErrorKind.INTERNAL, "retry failed: " + e, e));
                }
            });
        }

        private boolean skipped(Attempt.Outcome why) {
            return x.attempts().stream().anyMatch(a -> a.outcome() == why);
        }

        private String attemptsInWords() {
            return x.attempts().stream().map(a -> a.backend() + ": " + a.describe())
                    .collect(Collectors.joining("; "));
        }

        /** Why no candidate answered, as the client should hear it. */
        GatewayException exhausted() {
            if (!x.verdict().outcome().allowsExternal()) {
                return new GatewayException(ErrorKind.UNAVAILABLE, "no internal backend could serve this request, "
                        + "which holds customer data (" + x.verdict().found().describe() + "); it is never sent "
                        + "outside (" + attemptsInWords() + ")");
            }
            if (!failures.isEmpty()
                    && failures.stream().allMatch(f -> f.kind() == UpstreamFailure.Kind.EGRESS_REFUSED)) {
                return new GatewayException(ErrorKind.UNAVAILABLE, "no internal backend could serve this request, "
                        + "and the egress guard found customer data in what would have left for an external one; it "
                        + "is never sent outside (" + attemptsInWords() + ")");
            }
            boolean atCapacity = skipped(Attempt.Outcome.SKIPPED_AT_CAPACITY);
            boolean overBudget = skipped(Attempt.Outcome.SKIPPED_OVER_BUDGET);
            if (failures.isEmpty() && stateFailure != null && !atCapacity && !overBudget) {
                return stateFailure;
            }
            boolean unreachable = failures.stream().allMatch(f -> f.kind() == UpstreamFailure.Kind.CONNECT);
            if (unreachable && (skipped(Attempt.Outcome.SKIPPED_CIRCUIT_OPEN) || !failures.isEmpty())
                    && !overBudget) {
                return new GatewayException(ErrorKind.UNAVAILABLE, "no backend of route '" + decision.route()
                        + "' is reachable now (" + attemptsInWords() + "); retry shortly");
            }
            if (failures.isEmpty() && atCapacity) {
                return new GatewayException(ErrorKind.UNAVAILABLE, "every candidate backend is at capacity ("
                        + String.join(", ", decision.candidates()) + "); retry shortly");
            }
            if (failures.isEmpty() && overBudget) {
                String tenant = x.request().tenant();
                String level = budgetLevel.apply(tenant).filter(l -> !l.equals("tenant '" + tenant + "'"))
                        .map(l -> " (the budget of " + l + " above it is reached)").orElse("");
                return new GatewayException(ErrorKind.BUDGET_EXHAUSTED, "tenant '" + tenant
                        + "' has not enough budget left for this request on any candidate backend" + level);
            }
            StringBuilder sb = new StringBuilder("all backends failed for route '").append(decision.route())
                    .append("': ");
            for (int i = 0; i < failures.size(); i++) {
                sb.append(i == 0 ? "" : "; ").append(failures.get(i).clientMessage()); // never an address
            }
            boolean allTimeouts = !failures.isEmpty()
                    && failures.stream().allMatch(f -> f.kind() == UpstreamFailure.Kind.TIMEOUT);
            return new GatewayException(allTimeouts ? ErrorKind.UPSTREAM_TIMEOUT : ErrorKind.UPSTREAM_ERROR,
                    sb.toString());
        }
    }

    static GatewayException rejected(UpstreamFailure failure) {
        String message = UsageReader.errorMessage(failure.body());
        return new GatewayException(ErrorKind.UPSTREAM_REJECTED, failure.status(), "backend '" + failure.backend()
                + "' rejected the request (HTTP " + failure.status() + ")" + (message.isEmpty() ? "" : ": " + message),
                null, failure);
    }
}
