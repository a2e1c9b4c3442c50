package dev.switchboard.core;

import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.cache.CacheStats;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.internal.routing.RoutingInput;
import dev.switchboard.core.internal.routing.RoutingTable;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.state.StoreHealth;
import dev.switchboard.core.stats.BackendStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gateway as a library: routes OpenAI-style requests to the configured backends and explains each decision.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.fromConfig(Path.of("switchboard.yaml"))) {
 *     GatewayResponse r = gateway.chat(GatewayRequest.chat("{\"model\":\"chat\",\"messages\":[...]}"));
 * }
 * }</pre>
 *
 * <p>A reload ({@link #reload}) swaps the config in force inside this object, so whoever holds it (a Spring bean, an
 * adapter, a server) keeps holding the live gateway; a request takes the config in force once, when it starts, and
 * finishes on it.
 *
 * Thread-safe; one instance serves the whole application. Calls never block the calling thread except
 * {@link #chat}, which waits for {@link #chatAsync}.
 */
public final class Gateway implements AutoCloseable {
    /** Request header that controls the cache: {@code no-store} or {@code refresh}. */
    public static final String CACHE_HEADER = GatewayEngine.CACHE_HEADER;

    /** The config in force with everything built from it. */
    private final AtomicReference<GatewayEngine> engine;
    /** Set by {@link #close}, under the engine's lock: no reload puts an engine in force after it. */
    private boolean closed;

    private Gateway(GatewayEngine engine) {
        this.engine = new AtomicReference<>(engine);
    }

    private GatewayEngine now() {
        return engine.get();
    }

    /** Loads, validates and starts a gateway from a YAML file; {@code ${env:NAME}} reads the environment. */
    public static Gateway fromConfig(Path file) {
        return fromConfig(file, GatewayOptions.defaults());
    }

    public static Gateway fromConfig(Path file, GatewayOptions options) {
        return new Gateway(new GatewayEngine(ConfigLoader.withEnv(options.env()).load(file), options));
    }

    /** A gateway over an already validated spec. */
    public static Gateway create(GatewaySpec spec, GatewayOptions options) {
        return new Gateway(new GatewayEngine(spec, options));
    }

    /**
     * Puts a new config in force in this gateway, keeping what did not change: backends with an unchanged config keep
     * their statistics and circuit breakers, unchanged budgets keep their spend, the audit log and cache carry on.
     * Requests already running finish on the config they started with; the next ones take the new one. Reloads run
     * one at a time.
     *
     * @throws dev.switchboard.core.config.ConfigException when the running gateway cannot take the change (the
     *         state store); the config in force stays
     */
    public void reload(GatewaySpec newSpec) {
        Objects.requireNonNull(newSpec, "newSpec");
        synchronized (engine) {
            if (closed) {
                throw new IllegalStateException("the gateway is closed");
            }
            engine.set(now().reconfigure(newSpec));
        }
    }

    /**
     * A second gateway on a new config that shares with this one what did not change (as {@link #reload} keeps it),
     * leaving this one on its config. Close only the newest gateway: the parts they share stay open until then.
     * Most applications want {@link #reload}.
     */
    public Gateway reconfigure(GatewaySpec newSpec) {
        return new Gateway(now().reconfigure(newSpec));
    }

    /** The config in force. */
    public GatewaySpec spec() {
        return now().spec();
    }

    /** The model names clients may send (route names and aliases). */
    public List<String> models() {
        return now().models();
    }

    /**
     * Where this request would go and why, without calling any backend: the same decision a call would make now,
     * over the live statistics and budgets.
     *
     * @throws GatewayException as a call would fail before reaching a backend (unknown model, no rule, budget)
     */
    public RoutingDecision explain(GatewayRequest request) {
        GatewayEngine e = now();
        return e.explain(request, e.judge(request));
    }

    /** Where this request would go under a verdict already reached (see {@link #judge}): the body is read once. */
    public RoutingDecision explain(GatewayRequest request, Verdict verdict) {
        return now().explain(request, verdict);
    }

    /**
     * Records a model call that a server in front of this gateway shed before reading its body (the sidecar does
     * while its event loop runs later than {@code resilience.overload.max-queue-delay}), so it has its audit record,
     * its call metrics and {@code switchboard_requests_shed_total{scope="edge"}} like a request the chain shed.
     *
     * @param refusal what the client was answered (503 {@code overloaded})
     * @param millis  from the request's arrival to the answer
     */
    public void recordEdgeShed(String requestId, String tenant, GatewayException refusal, long millis) {
        now().recordEdgeShed(requestId, tenant, refusal, millis);
    }

    /**
     * Loads what a gateway needs that takes longest at start (the tokenizer's ranks, about 0.2 s on one core), so a
     * server can begin it on another thread while it reads its config; a gateway built meanwhile waits for it.
     */
    public static void preload() {
        dev.switchboard.core.internal.request.TokenEstimator.shared();
    }

    /** {@link #preload()} when {@code spec}'s requests count prompt tokens ({@link GatewaySpec#countsPromptTokens}). */
    public static void preload(GatewaySpec spec) {
        if (spec.countsPromptTokens()) {
            preload();
        }
    }

    /**
     * Decisions under a config alone, without starting a gateway (the command line's {@code explain}): the same
     * compliance verdict and the same rules as a live call, with no live statistics, budgets or cool-downs — every
     * backend looks idle and healthy.
     */
    public static Preview preview(GatewaySpec spec) {
        return new Preview(spec);
    }

    /** See {@link #preview}. Immutable and thread-safe. */
    public static final class Preview {
        private final CompliancePolicy policy;
        private final RoutingTable table;

        private Preview(GatewaySpec spec) {
            this.policy = new CompliancePolicy(spec.compliance());
            this.table = RoutingTable.compile(spec, policy);
        }

        /** The compliance verdict on a request. */
        public Verdict judge(GatewayRequest request) {
            return policy.judge(request.body());
        }

        /**
         * Where the request would go at {@code at} (time-of-day rules), under a verdict {@link #judge} gave.
         *
         * @throws GatewayException as a call would fail before reaching a backend: blocked, unknown model, no
         *                          rule, or every candidate excluded ({@link NoCandidateException}, with the decision)
         */
        public RoutingDecision explain(GatewayRequest request, Verdict verdict, java.time.Instant at) {
            if (verdict.outcome() == Verdict.Outcome.BLOCKED) {
                throw CompliancePolicy.blockedError(verdict.found());
            }
            RoutingInput input = new RoutingInput(request.body(), request.headers(), request.tenant(), at, verdict);
            return table.decide(input, new java.util.Random());
        }
    }

    /** The kinds and counts of customer data in a request (never the values). */
    public Assessment assess(GatewayRequest request) {
        return now().assess(request);
    }

    /** The compliance verdict on a request: what it holds and what that allows (never the values). */
    public Verdict judge(GatewayRequest request) {
        return now().judge(request);
    }

    /** Every backend's live state: load, cool-down, circuit breaker, latency and errors. */
    public List<BackendStatus> backends() {
        return now().backends();
    }

    /** One backend's live state, when a backend has that name. */
    public Optional<BackendStatus> backend(String name) {
        return now().backend(name);
    }

    /** The metrics registry the gateway writes to. */
    public io.micrometer.core.instrument.MeterRegistry meters() {
        return now().meters();
    }

    /** Every tenant budget's state (with a shared store, waits for it up to its timeout). */
    public List<TenantBudget> budgets() {
        return now().budgets();
    }

    /** Every tenant budget's state, without blocking. */
    public CompletableFuture<List<TenantBudget>> budgetsAsync() {
        return now().budgetsAsync();
    }

    /** How the state store is doing. */
    public StoreHealth stateHealth() {
        return now().stateHealth();
    }

    /** A chat completion, waiting for the answer. */
    public GatewayResponse chat(GatewayRequest request) {
        return now().chat(request);
    }

    /**
     * A chat completion without blocking. The future fails with {@link GatewayException}; cancelling it cancels
     * the upstream call.
     */
    public CompletableFuture<GatewayResponse> chatAsync(GatewayRequest request) {
        return now().chatAsync(request);
    }

    /**
     * A chat completion without blocking, going on on {@code resumeOn} after any wait for a shared store (a server
     * passes the event loop that owns the client's connection, so the request never changes threads but there).
     */
    public CompletableFuture<GatewayResponse> chatAsync(GatewayRequest request, Executor resumeOn) {
        return now().chatAsync(request, resumeOn);
    }

    /** Embeddings without blocking. */
    public CompletableFuture<GatewayResponse> embeddingsAsync(GatewayRequest request) {
        return now().embeddingsAsync(request);
    }

    /** Embeddings without blocking, going on on {@code resumeOn} after any wait for a shared store. */
    public CompletableFuture<GatewayResponse> embeddingsAsync(GatewayRequest request, Executor resumeOn) {
        return now().embeddingsAsync(request, resumeOn);
    }

    /** Embeddings, waiting for the answer. */
    public GatewayResponse embeddings(GatewayRequest request) {
        return now().embeddings(request);
    }

    /** Cache counters and size. */
    public CacheStats cacheStats() {
        return now().cacheStats();
    }

    /**
     * A string a client chose — a request id, a tenant header, a model name — as it may be written to logs, records,
     * traces and error messages: unchanged, unless the config's detectors find customer data in it, which is then
     * written as its kind ({@code "[bank-card]"}). A server that takes a request id from its caller uses this to
     * keep customer data out of its logs.
     */
    public String recordable(String clientText) {
        return now().recordable(clientText);
    }

    /** The route a model name (a route's name or one of its aliases) selects, when there is one. */
    public Optional<String> route(String model) {
        return now().route(model);
    }

    /** Each route's rules' conditions in words (as a decision trace writes them), by route name, in rule order. */
    public Map<String, List<String>> ruleConditions() {
        return now().ruleConditions();
    }

    /** The steps every request goes through, in order. */
    public List<String> chain() {
        return now().chain();
    }

    /**
     * A streamed chat completion: events go to the listener as the upstream produces them. A routing error is
     * reported to the listener too ({@code onError(e, false)}), so callers have one path for failures.
     */
    public StreamCall chatStream(GatewayRequest request, StreamListener listener) {
        return now().chatStream(request, listener, null);
    }

    /** A streamed chat completion going on on {@code resumeOn} after any wait for a shared store. */
    public StreamCall chatStream(GatewayRequest request, StreamListener listener, Executor resumeOn) {
        return now().chatStream(request, listener, resumeOn);
    }

    /** Stops upstream calls and writes out the audit log; a reload under way finishes first, none comes after. */
    @Override
    public void close() {
        synchronized (engine) {
            if (closed) {
                return;
            }
            closed = true;
            now().close();
        }
    }
}
