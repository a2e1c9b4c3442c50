package dev.switchboard.core.internal.admission;

import dev.switchboard.core.backend.UpstreamFailure;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.backend.BackendRuntime;
import dev.switchboard.core.internal.budget.BudgetReservation;
import dev.switchboard.core.internal.state.CapacityGate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * What admission granted one attempt: a breaker permit, a capacity slot and a budget reservation. The step that
 * ends the attempt ends the ticket, exactly once — answered, failed or abandoned — which gives the slot back,
 * settles the reservation to what was produced and tells the breaker and statistics what happened. A second end
 * (a cancel racing an answer) is refused, so nothing is given back or charged twice.
 */
public final class Ticket {
    private final BackendRuntime runtime;
    private final CapacityGate.Slot slot;
    private final BudgetReservation reservation;
    private final LongSupplier ticker;
    private final long startNanos;
    private final GatewayMetrics metrics;
    private final AtomicBoolean ended = new AtomicBoolean();
    /** The place under the backend's own concurrency limit, or null: ended at the first token, else at the end. */
    private final dev.switchboard.core.internal.overload.ConcurrencyLimit.Permit permit;

    Ticket(BackendRuntime runtime, CapacityGate.Slot slot, BudgetReservation reservation, LongSupplier ticker,
            GatewayMetrics metrics, dev.switchboard.core.internal.overload.ConcurrencyLimit.Permit permit) {
        this.permit = permit;
        this.runtime = runtime;
        this.slot = slot;
        this.reservation = reservation;
        this.ticker = ticker;
        this.startNanos = ticker.getAsLong();
        this.metrics = metrics;
    }

    public BackendRuntime runtime() {
        return runtime;
    }

    /** Time since admission, in nanoseconds on the gateway's ticker. */
    public long elapsedNanos() {
        return ticker.getAsLong() - startNanos;
    }

    public long millis() {
        return elapsedNanos() / 1_000_000;
    }

    private boolean end(double cost) {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        slot.release();
        reservation.settle(cost);
        return true;
    }

    /** The backend produced its first token: its concurrency limit learns how long that took. */
    public void firstToken() {
        if (permit != null) {
            permit.succeeded();
        }
    }

    /** The backend answered: statistics and breaker learn it. False when the ticket had already ended. */
    public boolean answered(double cost) {
        if (!end(cost)) {
            return false;
        }
        firstToken();
        runtime.stats().recordSuccess();
        runtime.breaker().onSuccess(Duration.ofNanos(elapsedNanos()));
        return true;
    }

    /**
     * The attempt failed: metrics count it; the breaker and statistics count it against the backend only when it
     * was the backend's fault (a request it refused as invalid was not), and not at all when the egress guard
     * stopped the body (nothing was sent). False when the ticket had already ended.
     */
    public boolean failed(UpstreamFailure failure, double cost) {
        if (!end(cost)) {
            return false;
        }
        metrics.upstreamFailure(runtime.name(), failure.kind());
        if (permit != null) {
            if (failure.kind().isTimeout()) {
                permit.dropped(); // the clearest sign of a backend over its limit
            } else {
                permit.ignored();
            }
        }
        if (failure.kind() == UpstreamFailure.Kind.EGRESS_REFUSED
                || failure.kind() == UpstreamFailure.Kind.STATUS && failure.status() == 429) {
            // Nothing was sent, or the vendor throttled (a cool-down, not a sickness): the breaker learns nothing.
            runtime.breaker().release();
            return true;
        }
        Duration took = Duration.ofNanos(elapsedNanos());
        if (failure.countsAgainstBackend()) {
            runtime.stats().recordFailure();
            runtime.breaker().onFailure(took, failure.kind().metricName());
        } else {
            runtime.breaker().onSuccess(took);
        }
        return true;
    }

    /** The client left (or the attempt never started): the breaker learns nothing. False when already ended. */
    public boolean abandoned(double cost) {
        if (!end(cost)) {
            return false;
        }
        if (permit != null) {
            permit.ignored();
        }
        runtime.breaker().release();
        return true;
    }
}
