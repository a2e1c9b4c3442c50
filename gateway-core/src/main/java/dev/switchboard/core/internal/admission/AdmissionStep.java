package dev.switchboard.core.internal.admission;

import dev.switchboard.core.Attempt;
import dev.switchboard.core.Usage;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.Residency;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.backend.BackendRuntime;
import dev.switchboard.core.internal.budget.BudgetReservation;
import dev.switchboard.core.internal.chain.Causes;
import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.internal.routing.Costs;
import dev.switchboard.core.internal.state.BudgetStore;
import dev.switchboard.core.internal.state.CapacityGate;
import dev.switchboard.core.internal.state.CoolDowns;
import dev.switchboard.core.internal.state.StateUnavailableException;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Admission of one attempt to the backend failover chose: the residency re-check (whatever routing decided, customer
 * data under {@code route-internal} never goes out), no cool-down in force, a breaker permit, a capacity slot and a budget reservation of
 * the call's worst case — all of them, or none. A backend that cannot admit is passed over, never queued for: the
 * attempt records why and failover moves on. What is granted is a {@link Ticket} the backend step ends.
 */
public final class AdmissionStep implements Step {
    private final BudgetStore ledger;
    private final CompliancePolicy policy;
    private final GatewayMetrics metrics;
    private final LongSupplier ticker;
    private final CoolDowns coolDowns;
    /** Token quotas, when the config has any (backends' are reserved here, per attempt); else null. */
    private final dev.switchboard.core.internal.quota.QuotaStep quotas;

    public AdmissionStep(BudgetStore ledger, CompliancePolicy policy, GatewayMetrics metrics, LongSupplier ticker,
            CoolDowns coolDowns) {
        this(ledger, policy, metrics, ticker, coolDowns, null);
    }

    public AdmissionStep(BudgetStore ledger, CompliancePolicy policy, GatewayMetrics metrics, LongSupplier ticker,
            CoolDowns coolDowns, dev.switchboard.core.internal.quota.QuotaStep quotas) {
        this.quotas = quotas;
        this.coolDowns = coolDowns;
        this.ledger = ledger;
        this.policy = policy;
        this.metrics = metrics;
        this.ticker = ticker;
    }

    @Override
    public String name() {
        return "admission";
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        BackendRuntime rt = x.target();
        return x.resume(admit(x, rt)).thenCompose(ticket -> {
            if (x.calledOff()) {
                // The client left (or another attempt won) while admission waited: nothing is sent, all given back.
                if (ticket.abandoned(0)) {
                    if (x.cancelled()) {
                        x.attempted(new Attempt(rt.name(), Attempt.Outcome.CANCELLED, "client left", ticket.millis()),
                                new Exchange.Charge(rt.name(), Usage.UNKNOWN, 0, rt.spec().price().currency(), false));
                    } else {
                        x.attempted(new Attempt(rt.name(), Attempt.Outcome.HEDGE_LOST, "lost the hedge",
                                ticket.millis()));
                    }
                }
                return CompletableFuture.failedFuture(new CancellationException("the client left"));
            }
            x.admitted(ticket);
            return next.proceed(x).whenComplete((reply, error) -> {
                if (error != null) {
                    // The backend step ends its ticket on every path it knows; this is the one it did not (a bug,
                    // a step that threw): the slot, reservation and permit must not be held for ever.
                    ticket.abandoned(0);
                }
            });
        });
    }

    private static final CompletableFuture<Ticket> NOT_ADMITTED =
            CompletableFuture.failedFuture(new NotAdmitted(null));

    private void skip(Exchange x, BackendRuntime rt, Attempt.Outcome why, String metric) {
        if (metric != null) {
            metrics.skipped(rt.name(), metric);
        }
        x.attempted(new Attempt(rt.name(), why, 0));
    }

    /** A ticket, or a future failed with {@link NotAdmitted} after recording why. */
    private CompletableFuture<Ticket> admit(Exchange x, BackendRuntime rt) {
        if (!policy.admits(x.verdict(), rt.spec().residency())) {
            skip(x, rt, Attempt.Outcome.SKIPPED_STAYS_INTERNAL, null);
            return NOT_ADMITTED;
        }
        if (coolDowns.until(rt.name()).isPresent()) {
            skip(x, rt, Attempt.Outcome.SKIPPED_COOLING_DOWN, "cooling_down");
            return NOT_ADMITTED;
        }
        dev.switchboard.core.internal.overload.ConcurrencyLimit.Permit permit = null;
        if (rt.limit() != null) {
            java.util.Optional<dev.switchboard.core.internal.overload.ConcurrencyLimit.Permit> p = rt.limit().acquire();
            if (p.isEmpty()) {
                metrics.shed(rt.name());
                skip(x, rt, Attempt.Outcome.SKIPPED_OVERLOADED, "overloaded");
                return NOT_ADMITTED;
            }
            permit = p.get();
        }
        if (!rt.breaker().tryAcquire()) {
            if (permit != null) {
                permit.ignored();
            }
            skip(x, rt, Attempt.Outcome.SKIPPED_CIRCUIT_OPEN, "circuit_open");
            return NOT_ADMITTED;
        }
        dev.switchboard.core.internal.overload.ConcurrencyLimit.Permit held = permit;
        if (quotas == null) {
            return admitHeld(x, rt, held);
        }
        // The backend's token quota (the vendor's contracted rate) first: a full one passes the backend over.
        return quotas.reserveForBackend(x, rt.name()).handle(Result::new).thenCompose(q -> {
            if (q.error == null && (q.value.isEmpty() || q.value.get().granted())) {
                // Not admitted after all (at capacity, over budget): the quota's tokens are given back at once.
                return admitHeld(x, rt, held).whenComplete((ticket, refused) -> {
                    if (refused != null && q.value.isPresent()) {
                        quotas.release(x, q.value.get());
                    }
                });
            }
            rt.breaker().release();
            if (held != null) {
                held.ignored();
            }
            if (q.error != null) {
                skip(x, rt, Attempt.Outcome.SKIPPED_STATE_UNAVAILABLE, "state_unavailable");
                return CompletableFuture.failedFuture(new NotAdmitted(stateFailure(q.error)));
            }
            skip(x, rt, Attempt.Outcome.SKIPPED_OVER_QUOTA, "over_quota");
            return NOT_ADMITTED;
        });
    }

    /** Admission after the breaker (and a backend quota): a capacity slot and a budget reservation. */
    private CompletableFuture<Ticket> admitHeld(Exchange x, BackendRuntime rt,
            dev.switchboard.core.internal.overload.ConcurrencyLimit.Permit held) {
        // The slot and the reservation are asked for together: with a shared store that is one round trip of
        // waiting instead of two. Whichever is refused, the other is given back.
        CompletableFuture<CapacityGate.Slot> slot;
        CompletableFuture<Optional<BudgetReservation>> reservation;
        try {
            slot = rt.capacity().acquire();
            reservation = reserve(x, rt);
        } catch (RuntimeException e) {
            rt.breaker().release();
            if (held != null) {
                held.ignored();
            }
            return CompletableFuture.failedFuture(e);
        }
        return slot.handle(Result::new).thenCombine(reservation.handle(Result::new), (s, r) -> {
            if (s.error == null && s.value != null && r.error == null && r.value.isPresent()) {
                return new Ticket(rt, s.value, r.value.get(), ticker, metrics, held);
            }
            if (s.error == null && s.value != null) {
                s.value.release();
            }
            if (r.error == null && r.value.isPresent()) {
                r.value.get().release();
            }
            rt.breaker().release();
            if (held != null) {
                held.ignored();
            }
            // One reason per candidate, in the order a sequential check would have given it.
            if (s.error != null || (s.value != null && r.error != null)) {
                skip(x, rt, Attempt.Outcome.SKIPPED_STATE_UNAVAILABLE, "state_unavailable");
                throw new NotAdmitted(stateFailure(s.error != null ? s.error : r.error));
            }
            if (s.value == null) {
                skip(x, rt, Attempt.Outcome.SKIPPED_AT_CAPACITY, "at_capacity");
            } else {
                skip(x, rt, Attempt.Outcome.SKIPPED_OVER_BUDGET, "over_budget");
            }
            throw new NotAdmitted(null);
        });
    }

    /** The reservation of this call's worst case on a backend. */
    private CompletableFuture<Optional<BudgetReservation>> reserve(Exchange x, BackendRuntime rt) {
        String tenant = x.request().tenant();
        boolean internalOnly = rt.spec().residency() == Residency.INTERNAL && ledger.budget(tenant)
                .map(b -> b.whenExhausted() == BudgetSpec.WhenExhausted.INTERNAL_ONLY).orElse(false);
        Integer maxTokens = x.request().body().maxTokens().isPresent()
                ? x.request().body().maxTokens().getAsInt() : null;
        double worst = Costs.worstCase(rt.spec(), x.decision()::promptTokens, maxTokens);
        return ledger.reserve(tenant, worst, internalOnly, rt.spec().residency());
    }

    /** A future's value or error, side by side. */
    private record Result<T>(T value, Throwable error) {
    }

    private static StateUnavailableException stateFailure(Throwable error) {
        Throwable t = Causes.of(error);
        return t instanceof StateUnavailableException s ? s
                : new StateUnavailableException("the shared state store failed", t);
    }
}
