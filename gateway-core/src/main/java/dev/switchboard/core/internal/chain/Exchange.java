package dev.switchboard.core.internal.chain;

import dev.switchboard.core.Attempt;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.Operation;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.cache.CacheStatus;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.internal.admission.Ticket;
import dev.switchboard.core.internal.backend.BackendRuntime;
import dev.switchboard.core.internal.compliance.MaskedBody;
import dev.switchboard.core.internal.trace.Tracing;
import dev.switchboard.core.routing.RoutingDecision;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
 *
 * <p>An <em>attempt</em> (one backend tried by failover) sees the request through a view of its own
 * ({@link #forAttempt}): the same state, but its own target, ticket and cancel hooks — so two attempts can run at
 * once (a hedge) and one can be called off without the other.
 */
public final class Exchange {
    /** What every view of one request shares. */
    private static final class State {
        final GatewayRequest request;
        final Operation operation;
        final Instant arrived;
        final LongSupplier ticker;
        final long startNanos;
        final Executor resumeOn;
        volatile StreamListener downstream;
        volatile Verdict verdict;
        volatile RoutingDecision decision;
        volatile CacheStatus cache = CacheStatus.BYPASS;
        final List<Attempt> attempts = new ArrayList<>();
        volatile MaskedBody masked;
        volatile Charge charge = Charge.NONE;
        volatile boolean abandoned;
        final AtomicReference<Exchange> streamOwner = new AtomicReference<>();
        final Hooks hooks = new Hooks();
        /** The request's tracing, when a trace step runs; attempts open their client spans with it. */
        volatile Tracing tracing;
        final AtomicInteger attemptsStarted = new AtomicInteger();
        /** Token quotas reserved for this request (its tenant's, and each backend's it was admitted to). */
        final List<dev.switchboard.core.internal.quota.QuotaStore.Grant> quotaGrants = new ArrayList<>();
        boolean quotasSettled;
        /** When the client's first token came, in ticker nanoseconds since arrival; -1 until then. */
        final java.util.concurrent.atomic.AtomicLong firstTokenNanos = new java.util.concurrent.atomic.AtomicLong(-1);

        State(GatewayRequest request, Operation operation, Instant arrived, LongSupplier ticker,
                StreamListener downstream, Executor resumeOn) {
            this.request = Objects.requireNonNull(request, "request");
            this.operation = Objects.requireNonNull(operation, "operation");
            this.arrived = arrived;
            this.ticker = ticker;
            this.startNanos = ticker.getAsLong();
            this.downstream = downstream;
            this.resumeOn = resumeOn;
        }
    }

    /** Cancel hooks, run once, newest first. */
    private static final class Hooks {
        private final AtomicBoolean fired = new AtomicBoolean();
        private final ArrayDeque<Runnable> hooks = new ArrayDeque<>();

        boolean fired() {
            return fired.get();
        }

        void add(Runnable hook, String requestId) {
            synchronized (hooks) {
                if (!fired.get()) {
                    hooks.push(hook);
                    return;
                }
            }
            run(hook, requestId);
        }

        boolean fire(String requestId) {
            if (!fired.compareAndSet(false, true)) {
                return false;
            }
            List<Runnable> list;
            synchronized (hooks) {
                list = new ArrayList<>(hooks);
                hooks.clear();
            }
            for (Runnable hook : list) {
                run(hook, requestId);
            }
            return true;
        }

        private static void run(Runnable hook, String requestId) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Exchange.class).error("request {}: a cancel hook failed",
                        requestId, e);
            }
        }
    }

    private final State state;
    /** This attempt's own hooks (null for the request's own view: its hooks are the state's). */
    private final Hooks attemptHooks;
    private volatile BackendRuntime target;
    private volatile Ticket ticket;
    /** The trace context the steps of this view open their spans under (null: not traced). */
    private volatile Context trace;
    /** This attempt's client span, ended when the attempt is recorded (null outside a traced attempt). */
    private volatile AttemptSpan attemptSpan;

    /**
     * What the request came to: the backend whose answer (or failure) the client got, what it produced and cost,
     * and whether it was sent the masked body. {@link #NONE} while no backend has answered.
     */
    public record Charge(String backend, Usage usage, double cost, String currency, boolean sentMasked) {
        public static final Charge NONE = new Charge(null, Usage.UNKNOWN, 0, "", false);
    }

    private Exchange(State state, Hooks attemptHooks) {
        this.state = state;
        this.attemptHooks = attemptHooks;
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
        return new Exchange(new State(request, operation, arrived, ticker, null, resumeOn), null);
    }

    /** A streamed chat completion whose events go to {@code listener}; {@code resumeOn} as for a call. */
    public static Exchange stream(GatewayRequest request, Instant arrived, LongSupplier ticker,
            StreamListener listener, Executor resumeOn) {
        return new Exchange(new State(request, Operation.CHAT, arrived, ticker,
                Objects.requireNonNull(listener, "listener"), resumeOn), null);
    }

    /**
     * The view one attempt works through: the request's state, the attempt's own target, ticket and cancel hooks.
     * The client's leaving cancels every attempt; {@link #callOff} cancels this one alone. {@code kind} says why
     * the attempt is made ({@code first}, {@code retry}, {@code fallback}, {@code hedge}) for its client span when
     * the request is traced.
     */
    public Exchange forAttempt(BackendRuntime target, String kind) {
        Exchange attempt = new Exchange(state, new Hooks());
        attempt.target = target;
        Tracing tracing = state.tracing;
        if (tracing != null && trace != null) {
            AttemptSpan span = AttemptSpan.start(tracing, trace, target.spec(), state.operation, kind,
                    state.attemptsStarted.incrementAndGet());
            attempt.attemptSpan = span;
            attempt.trace = trace.with(span.span());
            // Called off or left before anything was recorded: the span still ends.
            attempt.attemptHooks.add(() -> span.end(null, null), state.request.requestId());
        } else {
            attempt.trace = trace;
        }
        state.hooks.add(() -> attempt.attemptHooks.fire(state.request.requestId()), state.request.requestId());
        return attempt;
    }

    /** Traces this request under {@code context} (the request's span): steps and attempts hang below it. */
    public void traced(Tracing tracing, Context context) {
        state.tracing = tracing;
        this.trace = context;
    }

    /** The context this view's spans hang under; null when the request is not traced. */
    public Context traceContext() {
        return trace;
    }

    /** The request's tracing, or null. */
    public Tracing tracing() {
        return state.tracing;
    }

    /**
     * The headers that carry this attempt's trace to its backend: {@code traceparent}, and — when
     * {@code withState} — the client's {@code tracestate} and baggage. Empty when the request is not traced.
     */
    public Map<String, String> traceHeaders(boolean withState) {
        Tracing tracing = state.tracing;
        return tracing == null || trace == null ? Map.of() : tracing.headersFor(trace, withState);
    }

    /**
     * Makes this attempt's trace context current while a transport starts its call, so an OpenTelemetry agent's
     * instrumentation of the transport (OkHttp, Netty) joins the trace instead of starting one; without
     * {@code withState}, the baggage is left out. A no-op when the request is not traced.
     */
    public Scope traceScope(boolean withState) {
        Context context = trace;
        if (state.tracing == null || context == null) {
            return Scope.noop();
        }
        return (withState ? context : Context.root().with(Span.fromContext(context))).makeCurrent();
    }

    /**
     * Ends this attempt's client span if nothing recorded the attempt: it failed before the backend step could say
     * how (admission threw, a step failed). Recorded attempts end their span themselves.
     */
    public void attemptEnded(Throwable error) {
        AttemptSpan span = attemptSpan;
        if (span != null) {
            span.endUnrecorded(error);
        }
    }

    /** Calls this attempt off (another one won): its hooks run; the request goes on. */
    public void callOff() {
        if (attemptHooks != null) {
            attemptHooks.fire(state.request.requestId());
        }
    }

    /** Whether this attempt was called off, or the client left. */
    public boolean calledOff() {
        return attemptHooks != null && attemptHooks.fired() || cancelled();
    }

    /**
     * Claims the stream's listener for this attempt: true for the first attempt to produce an event (and again for
     * it), false for any other — which must then stop, since the client already has another backend's answer.
     */
    public boolean claimStream() {
        return state.streamOwner.compareAndSet(null, this) || state.streamOwner.get() == this;
    }

    /**
     * {@code waited}, going on on the request's own executor when it had to wait (a shared store's reply arrives on
     * the store's thread); at once, on this thread, when it was already done (the memory store) or the request
     * names no executor.
     */
    public <T> CompletableFuture<T> resume(CompletableFuture<T> waited) {
        Executor resumeOn = state.resumeOn;
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
        return state.abandoned;
    }

    public void abandonedByClient() {
        state.abandoned = true;
    }

    public GatewayRequest request() {
        return state.request;
    }

    public Operation operation() {
        return state.operation;
    }

    /** Whether the answer is streamed (events down {@link #downstream()}) rather than returned whole. */
    public boolean streamed() {
        return state.downstream != null;
    }

    public Instant arrived() {
        return state.arrived;
    }

    /** Now, on the gateway's ticker (nanoseconds, for durations only). */
    public long nanos() {
        return state.ticker.getAsLong();
    }

    /**
     * Keeps a token-quota reservation, to be settled when the request ends; false when the request's reservations
     * were already settled (a hedge's reservation that came back late): the caller gives it back at once.
     */
    public boolean holdQuota(dev.switchboard.core.internal.quota.QuotaStore.Grant grant) {
        synchronized (state.quotaGrants) {
            if (state.quotasSettled) {
                return false;
            }
            state.quotaGrants.add(grant);
            return true;
        }
    }

    /** Lets go of a reservation (its attempt was not admitted after all); true when it was held. */
    public boolean dropQuota(dev.switchboard.core.internal.quota.QuotaStore.Grant grant) {
        synchronized (state.quotaGrants) {
            return state.quotaGrants.remove(grant);
        }
    }

    /** The reservations to settle, once: after this, {@link #holdQuota} refuses new ones. */
    public List<dev.switchboard.core.internal.quota.QuotaStore.Grant> settleQuotas() {
        synchronized (state.quotaGrants) {
            state.quotasSettled = true;
            List<dev.switchboard.core.internal.quota.QuotaStore.Grant> all = List.copyOf(state.quotaGrants);
            state.quotaGrants.clear();
            return all;
        }
    }

    /**
     * Marks the answer's first token: the first event of the stream the client gets, or of the assembled upstream
     * stream behind a non-streamed call. Only the first mark counts.
     */
    public void markFirstToken() {
        state.firstTokenNanos.compareAndSet(-1, Math.max(0, state.ticker.getAsLong() - state.startNanos));
    }

    /** Milliseconds from arrival to the answer's first token, when one came and was seen. */
    public java.util.OptionalLong firstTokenMillis() {
        long nanos = state.firstTokenNanos.get();
        return nanos < 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(nanos / 1_000_000);
    }

    /** Milliseconds since the request arrived, on the gateway's ticker. */
    public long millis() {
        return (state.ticker.getAsLong() - state.startNanos) / 1_000_000;
    }

    /** Where a stream's events go; null for a call. */
    public StreamListener downstream() {
        return state.downstream;
    }

    /**
     * Puts a listener in front of the stream's receiver, to watch (or change) what steps further down send; the
     * tap passes everything on. Taps are set before the call goes on, so a stream's events reach them all.
     */
    public void tapStream(UnaryOperator<StreamListener> tap) {
        if (state.downstream == null) {
            throw new IllegalStateException("not a stream");
        }
        state.downstream = Objects.requireNonNull(tap.apply(state.downstream), "tap");
    }

    /** The compliance verdict (set by the compliance step). */
    public Verdict verdict() {
        Verdict v = state.verdict;
        if (v == null) {
            throw new IllegalStateException("no compliance verdict yet: the compliance step runs before this one");
        }
        return v;
    }

    public boolean judged() {
        return state.verdict != null;
    }

    public void judged(Verdict v) {
        state.verdict = Objects.requireNonNull(v, "verdict");
    }

    /** The routing decision; null before routing, or when the answer came from the cache. */
    public RoutingDecision decision() {
        return state.decision;
    }

    public void routed(RoutingDecision d) {
        state.decision = d;
    }

    public CacheStatus cache() {
        return state.cache;
    }

    public void cache(CacheStatus status) {
        state.cache = Objects.requireNonNull(status, "status");
    }

    /** Adds one step of serving this request to what the response and the audit record show. */
    public void attempted(Attempt a) {
        record(a, null);
    }

    /** Adds one step of serving this request together with what it came to (it becomes the request's charge). */
    public void attempted(Attempt a, Charge c) {
        state.charge = Objects.requireNonNull(c, "charge");
        record(a, c);
    }

    private void record(Attempt a, Charge c) {
        synchronized (state.attempts) {
            state.attempts.add(a);
        }
        AttemptSpan span = attemptSpan;
        if (span != null) {
            span.end(a, c);
        }
    }

    /** Every backend called or passed over so far, in order. */
    public List<Attempt> attempts() {
        synchronized (state.attempts) {
            return List.copyOf(state.attempts);
        }
    }

    /** The backend this attempt goes to (set by failover); null outside an attempt. */
    public BackendRuntime target() {
        return target;
    }

    /** What admission granted this attempt; null until it did. */
    public Ticket ticket() {
        return ticket;
    }

    public void admitted(Ticket t) {
        this.ticket = t;
    }

    /** The masked body, once one was made (it is made once and reused by every attempt); else null. */
    public MaskedBody maskedBody() {
        return state.masked;
    }

    public void masked(MaskedBody m) {
        state.masked = m;
    }

    public Charge charge() {
        return state.charge;
    }

    /** Records what the request came to (the backend that answered or failed last for the client). */
    public void charged(Charge c) {
        state.charge = Objects.requireNonNull(c, "charge");
    }

    /** Whether the client left. */
    public boolean cancelled() {
        return state.hooks.fired();
    }

    /**
     * Runs {@code hook} when the client leaves (at once if it already has) — and, registered through an attempt's
     * view, when that attempt is called off. Hooks run newest first: the step nearest the backend stops its call
     * before the steps above it record the end.
     */
    public void onCancel(Runnable hook) {
        (attemptHooks != null ? attemptHooks : state.hooks).add(hook, state.request.requestId());
    }

    /** The client left: every step's hook runs once, every attempt's too. Idempotent. */
    public void cancel() {
        state.hooks.fire(state.request.requestId());
    }
}
