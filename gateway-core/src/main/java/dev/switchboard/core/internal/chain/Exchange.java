package dev.switchboard.core.internal.chain;

import dev.switchboard.core.Attempt;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.Operation;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.internal.admission.Ticket;
import dev.switchboard.core.internal.backend.BackendRuntime;
import dev.switchboard.core.cache.CacheStatus;
import dev.switchboard.core.compliance.CompliancePolicy;
import dev.switchboard.core.compliance.MaskedBody;
import dev.switchboard.core.routing.RoutingDecision;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * One request on its way through the chain: what came in, and what each step decided, under named accessors. Each
 * decision is written by the one step that owns it (the verdict by compliance, the decision by routing, the cache
 * status by the cache, the target and ticket of an attempt by failover and admission) and read by the steps after
 * it; the audit record and the client's response are rendered from it at the end.
 *
 * <p>Steps run one after the other (a future's completion hands the exchange on), so the fields need no locks;
 * they are volatile because a cancel may come on any thread. The list of attempts is guarded by itself.
 */
public final class Exchange {
    private final GatewayRequest request;
    private final Operation operation;
    private final Instant arrived;
    private final LongSupplier ticker;
    private final long startNanos;
    private volatile StreamListener downstream;
    private final Executor resumeOn;

    private volatile CompliancePolicy.Verdict verdict;
    private volatile RoutingDecision decision;
    private volatile CacheStatus cache = CacheStatus.BYPASS;
    private final List<Attempt> attempts = new ArrayList<>();

    private volatile BackendRuntime target;
    private volatile Ticket ticket;
    private volatile MaskedBody masked;

    private volatile Charge charge = Charge.NONE;

    private final AtomicBoolean cancelled = new AtomicBoolean();
    private volatile boolean abandoned;
    private final ArrayDeque<Runnable> onCancel = new ArrayDeque<>();

    /**
     * What the request came to: the backend whose answer (or failure) the client got, what it produced and cost,
     * and whether it was sent the masked body. {@link #NONE} while no backend has answered.
     */
    public record Charge(String backend, Usage usage, double cost, String currency, boolean sentMasked) {
        public static final Charge NONE = new Charge(null, Usage.UNKNOWN, 0, "", false);
    }

    private Exchange(GatewayRequest request, Operation operation, Instant arrived, LongSupplier ticker,
            StreamListener downstream, Executor resumeOn) {
        this.request = Objects.requireNonNull(request, "request");
        this.operation = Objects.requireNonNull(operation, "operation");
        this.arrived = arrived;
        this.ticker = ticker;
        this.startNanos = ticker.getAsLong();
        this.downstream = downstream;
        this.resumeOn = resumeOn;
    }

    /** A call whose answer comes back whole. */
    public static Exchange call(GatewayRequest request, Operation operation, Instant arrived, LongSupplier ticker) {
        return call(request, operation, arrived, ticker, null);
    }

    /**
     * A call whose answer comes back whole.
     *
     * @param resumeOn where the request goes on after waiting for a shared store (the sidecar's event loop, which
     *                 owns the client's connection), or null for wherever the store's reply came
     */
    public static Exchange call(GatewayRequest request, Operation operation, Instant arrived, LongSupplier ticker,
            Executor resumeOn) {
        return new Exchange(request, operation, arrived, ticker, null, resumeOn);
    }

    /** A streamed chat completion whose events go to {@code listener}; {@code resumeOn} as for a call. */
    public static Exchange stream(GatewayRequest request, Instant arrived, LongSupplier ticker,
            StreamListener listener, Executor resumeOn) {
        return new Exchange(request, Operation.CHAT, arrived, ticker, Objects.requireNonNull(listener, "listener"),
                resumeOn);
    }

    /**
     * {@code waited}, going on on the request's own executor when it had to wait (a shared store's reply arrives on
     * the store's thread); at once, on this thread, when it was already done (the memory store) or the request
     * names no executor.
     */
    public <T> CompletableFuture<T> resume(CompletableFuture<T> waited) {
        if (resumeOn == null || waited.isDone()) {
            return waited;
        }
        return waited.whenCompleteAsync((v, e) -> { }, task -> {
            try {
                resumeOn.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                task.run(); // the loop is closing: go on here rather than strand what admission granted
            }
        });
    }

    /**
     * Whether the client's leaving ended the call: the step nearest the backend won the attempt's ticket for the
     * cancel (so nothing else will end it). A cancel that lost the race to an answer leaves this false, and the
     * answer is what gets recorded.
     */
    public boolean abandoned() {
        return abandoned;
    }

    public void abandonedByClient() {
        this.abandoned = true;
    }

    public GatewayRequest request() {
        return request;
    }

    public Operation operation() {
        return operation;
    }

    /** Whether the answer is streamed (events down {@link #downstream()}) rather than returned whole. */
    public boolean streamed() {
        return downstream != null;
    }

    public Instant arrived() {
        return arrived;
    }

    /** Now, on the gateway's ticker (nanoseconds, for durations only). */
    public long nanos() {
        return ticker.getAsLong();
    }

    /** Milliseconds since the request arrived, on the gateway's ticker. */
    public long millis() {
        return (ticker.getAsLong() - startNanos) / 1_000_000;
    }

    /** Where a stream's events go; null for a call. */
    public StreamListener downstream() {
        return downstream;
    }

    /**
     * Puts a listener in front of the stream's receiver, to watch (or change) what steps further down send; the
     * tap passes everything on. Taps are set before the call goes on, so a stream's events reach them all.
     */
    public void tapStream(UnaryOperator<StreamListener> tap) {
        if (downstream == null) {
            throw new IllegalStateException("not a stream");
        }
        downstream = Objects.requireNonNull(tap.apply(downstream), "tap");
    }

    /** The compliance verdict (set by the compliance step). */
    public CompliancePolicy.Verdict verdict() {
        if (verdict == null) {
            throw new IllegalStateException("no compliance verdict yet: the compliance step runs before this one");
        }
        return verdict;
    }

    public boolean judged() {
        return verdict != null;
    }

    public void judged(CompliancePolicy.Verdict v) {
        this.verdict = Objects.requireNonNull(v, "verdict");
    }

    /** The routing decision; null before routing, or when the answer came from the cache. */
    public RoutingDecision decision() {
        return decision;
    }

    public void routed(RoutingDecision d) {
        this.decision = d;
    }

    public CacheStatus cache() {
        return cache;
    }

    public void cache(CacheStatus status) {
        this.cache = Objects.requireNonNull(status, "status");
    }

    /** Adds one step of serving this request to what the response and the audit record show. */
    public void attempted(Attempt a) {
        synchronized (attempts) {
            attempts.add(a);
        }
    }

    /** Every backend called or passed over so far, in order. */
    public List<Attempt> attempts() {
        synchronized (attempts) {
            return List.copyOf(attempts);
        }
    }

    /** The backend the current attempt goes to (set by failover before each attempt). */
    public BackendRuntime target() {
        return target;
    }

    public void target(BackendRuntime rt) {
        this.target = rt;
        this.ticket = null;
    }

    /** What admission granted the current attempt; null until it did. */
    public Ticket ticket() {
        return ticket;
    }

    public void admitted(Ticket t) {
        this.ticket = t;
    }

    /** The masked body, once one was made (it is made once and reused by every attempt); else null. */
    public MaskedBody maskedBody() {
        return masked;
    }

    public void masked(MaskedBody m) {
        this.masked = m;
    }

    public Charge charge() {
        return charge;
    }

    /** Records what the request came to (the backend that answered or failed last for the client). */
    public void charged(Charge c) {
        this.charge = Objects.requireNonNull(c, "charge");
    }

    public boolean cancelled() {
        return cancelled.get();
    }

    /**
     * Runs {@code hook} when the client leaves (at once if it already has). Hooks run newest first: the step
     * nearest the backend stops its call before the steps above it record the end.
     */
    public void onCancel(Runnable hook) {
        synchronized (onCancel) {
            if (!cancelled.get()) {
                onCancel.push(hook);
                return;
            }
        }
        hook.run();
    }

    /** The client left: every step's hook runs once. Idempotent. */
    public void cancel() {
        if (!cancelled.compareAndSet(false, true)) {
            return;
        }
        List<Runnable> hooks;
        synchronized (onCancel) {
            hooks = new ArrayList<>(onCancel);
            onCancel.clear();
        }
        for (Runnable hook : hooks) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Exchange.class).error("request {}: a cancel hook failed",
                        request.requestId(), e);
            }
        }
    }
}
