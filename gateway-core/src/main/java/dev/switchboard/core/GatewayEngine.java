package dev.switchboard.core;

import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.UpstreamHttp;
import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.cache.CacheStats;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.GaugeSet;
import dev.switchboard.core.internal.admission.AdmissionStep;
import dev.switchboard.core.internal.audit.AuditLog;
import dev.switchboard.core.internal.audit.AuditStep;
import dev.switchboard.core.internal.backend.BackendRegistry;
import dev.switchboard.core.internal.backend.BackendRuntime;
import dev.switchboard.core.internal.backend.BackendStep;
import dev.switchboard.core.internal.budget.BudgetFigures;
import dev.switchboard.core.internal.cache.CacheStep;
import dev.switchboard.core.internal.cache.ResponseCache;
import dev.switchboard.core.internal.chain.Causes;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.RequestChain;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.internal.compliance.ComplianceStep;
import dev.switchboard.core.internal.failover.FailoverStep;
import dev.switchboard.core.internal.ratelimit.RateLimitStep;
import dev.switchboard.core.internal.routing.LiveSignals;
import dev.switchboard.core.internal.routing.RouteStep;
import dev.switchboard.core.internal.routing.RoutingTable;
import dev.switchboard.core.internal.state.BudgetStore;
import dev.switchboard.core.internal.state.StateStore;
import dev.switchboard.core.internal.stats.BackendStats;
import dev.switchboard.core.resilience.BreakerState;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.state.StoreHealth;
import dev.switchboard.core.stats.BackendStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;

/**
 * One config's gateway: the steps, backends and state it was built with. {@link Gateway} is the public face and holds
 * the one in force, so that a reload swaps this whole while callers keep their {@code Gateway}. A request takes the
 * engine once and finishes on it.
 */
final class GatewayEngine implements AutoCloseable {
    private final GatewaySpec spec;
    private final GatewayOptions options;
    private final RoutingTable table;
    private final UpstreamHttp http;
    private final BackendRegistry backends;
    private final StateStore state;
    private final dev.switchboard.core.internal.state.CoolDowns coolDowns;
    private final BudgetStore ledger;
    private final dev.switchboard.core.internal.quota.QuotaStore quotas;
    private final AuditLog audit;
    private final LiveSignals signals;
    private final GatewayMetrics metrics;
    /** Where every request's record goes: the audit log, then the application's listener. */
    private final java.util.function.Consumer<CallRecord> records;
    private final CompliancePolicy policy;
    private final ResponseCache cache;
    /** The cache the {@code switchboard.cache.*} meters read: this gateway's, after every reload the newest one's. */
    private final AtomicReference<ResponseCache> cacheInForce;
    private final CacheStep cacheStep;
    private final RouteStep routeStep;
    private final RequestChain chain;
    private final dev.switchboard.core.internal.overload.ConcurrencyLimit overload;
    private final AtomicReference<dev.switchboard.core.internal.overload.ConcurrencyLimit> overloadInForce;
    /**
     * The egress guard of the newest config, shared by every engine since the first: a request admitted before a
     * reload is guarded by its own config's detectors and by these, so a detector a reload adds covers its retries.
     */
    private final AtomicReference<dev.switchboard.core.internal.compliance.EgressGuard> guardInForce;
    private final GaugeSet gauges;
    private final dev.switchboard.core.internal.budget.BudgetAlerts alerts;
    /** Request header that controls the cache: {@code no-store} or {@code refresh}. */
    public static final String CACHE_HEADER = CacheStep.HEADER;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Gateway.class);

    GatewayEngine(GatewaySpec spec, GatewayOptions options) {
        this(spec, options, null);
    }

    /**
     * A gateway on {@code spec}; with {@code previous}, what did not change is carried over from it — the upstream
     * client, the backends whose config is unchanged with their statistics and breakers, the budget ledger, the
     * audit log and the cache when their config is unchanged.
     */
    private GatewayEngine(GatewaySpec spec, GatewayOptions options, GatewayEngine previous) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.options = Objects.requireNonNull(options, "options");
        // Loads the tokenizer's 200,000 ranks now (about 0.2 s and 4 MB, once per JVM), not during the first
        // request — when this config counts tokens at all; else the first request that asks (an explain) loads it.
        if (spec.countsPromptTokens()) {
            dev.switchboard.core.internal.request.TokenEstimator.shared();
        }
        // One set of meter handles for the life of the registry: backends kept across a reload report their breaker
        // changes through the listener they were built with, which must write where the new gateway writes.
        this.metrics = previous != null ? previous.metrics : new GatewayMetrics(options.meters());
        this.http = previous != null ? previous.http : new UpstreamHttp(spec.backends(), options.clock(), options.ticker());
        this.state = previous != null ? previous.state : StateStore.open(spec.state(), options.clock(),
                options.meters());
        this.policy = new CompliancePolicy(spec.compliance());
        this.guardInForce = previous != null ? previous.guardInForce : new AtomicReference<>();
        guardInForce.set(policy.guard());
        this.table = RoutingTable.compile(spec, policy);
        this.backends = BackendRegistry.build(spec, previous == null ? null : previous.backends, options.backends(),
                http, state, options.clock(), options.ticker(), this::guarded, (backend, t) -> {
                    metrics.breakerTransition(backend, t.from(), t.to());
                    log.warn("circuit breaker of backend {}: {} -> {}", backend, t.from(), t.to());
                });
        this.coolDowns = state.coolDowns();
        coolDowns.watch(spec.backends().stream().map(BackendSpec::name).collect(java.util.stream.Collectors.toSet()));
        // The ledger (spend so far) is kept across a reload that changes no limit; alert thresholds are not limits.
        // Budgets with parents form a tree: a call reserves at every level its tenant belongs to.
        this.ledger = previous != null && limits(previous.spec.budgets()).equals(limits(spec.budgets()))
                ? previous.ledger : dev.switchboard.core.internal.budget.BudgetTree.needed(spec.budgets())
                        ? new dev.switchboard.core.internal.budget.BudgetTree(state.budgets(spec.budgets()),
                                spec.budgets())
                        : state.budgets(spec.budgets());
        // Quota windows carry over a reload that keeps the quotas (the tokens counted this minute stay counted).
        this.quotas = previous != null && previous.spec.quotas().equals(spec.quotas()) ? previous.quotas
                : state.quotas(spec.quotas());
        this.audit = previous != null && previous.spec.audit().equals(spec.audit()) ? previous.audit
                : AuditLog.open(spec.audit(), options.clock());
        // Budget alerts follow the budgets: kept (with their retries) across a reload that changes neither.
        boolean sameAlerts = previous != null && previous.ledger == ledger
                && previous.spec.alerts().equals(spec.alerts());
        this.alerts = sameAlerts ? previous.alerts : new dev.switchboard.core.internal.budget.BudgetAlerts(
                spec.budgets(), ledger, state, spec.alerts(), options.clock(), options.scheduler(), metrics);
        boolean sameCache = previous != null && previous.spec.cache().equals(spec.cache());
        this.cache = sameCache ? previous.cache : new ResponseCache(spec.cache(), options.clock());
        // Meters are bound once, to whichever cache is in force: a reload that replaces the cache moves them with
        // it (Micrometer keeps the first registration of a name and ignores the rest).
        this.cacheInForce = previous != null ? previous.cacheInForce : bindCacheMeters(options.meters());
        cacheInForce.set(cache);
        Map<String, dev.switchboard.core.config.CacheSpec.RouteCache> rc = new LinkedHashMap<>();
        spec.routes().forEach(r -> rc.put(r.name(), r.cache()));
        this.cacheStep = new CacheStep(cache, sameCache ? previous.cacheStep.shared()
                : state.sharedCache(spec.cache()), rc, table::routeOf, policy, options.clock());
        this.signals = new LiveSignals() {
            @Override
            public BackendStats stats(String backend) {
                BackendRuntime rt = backends.get(backend);
                return rt == null ? null : rt.stats();
            }

            @Override
            public boolean circuitOpen(String backend) {
                BackendRuntime rt = backends.get(backend);
                return rt != null && rt.breaker().rejectsNow();
            }

            @Override
            public java.util.Optional<java.time.Instant> coolingDownUntil(String backend) {
                return coolDowns.until(backend);
            }

            @Override
            public java.util.Optional<BudgetSpec.WhenExhausted> exhaustedBudget(String tenant) {
                return ledger.exhausted(tenant) ? ledger.budget(tenant).map(BudgetSpec::whenExhausted)
                        : java.util.Optional.empty();
            }
        };
        this.routeStep = new RouteStep(table, signals, options.random(), options.clock());
        // The gateway's concurrency limit keeps what it learned across a reload that does not change it.
        this.overload = previous != null && previous.spec.overload().sameLimit(spec.overload()) ? previous.overload
                : dev.switchboard.core.internal.overload.ConcurrencyLimit.of("gateway", spec.overload(),
                        options.ticker());
        this.overloadInForce = previous != null ? previous.overloadInForce : bindOverloadMeters(options.meters());
        overloadInForce.set(overload);
        List<dev.switchboard.core.internal.chain.Step> steps = new java.util.ArrayList<>();
        dev.switchboard.core.internal.trace.Tracing tracing =
                dev.switchboard.core.internal.trace.Tracing.of(options.openTelemetry());
        if (tracing != null) {
            // First, so a shed or rate-limited request has a span too; without OpenTelemetry it is not in the chain.
            steps.add(new dev.switchboard.core.internal.trace.TraceStep(tracing, name -> {
                BackendRuntime rt = backends.get(name);
                return rt == null ? null : rt.spec().model();
            }, policy::recordable));
        }
        // The one place the order of a request's steps is written down (DESIGN.md draws it; /admin/config lists it).
        // Audit comes before shedding and rate limits, so a request refused there has its record, its metrics and
        // its access-log line like any other.
        this.records = calls(audit, options.calls());
        steps.add(new AuditStep(records, metrics, policy, spec.audit().enabled()));
        if (overload != null) {
            steps.add(new dev.switchboard.core.internal.overload.LoadShedStep(overload, metrics));
        }
        steps.addAll(List.of(
                new RateLimitStep(state.rateLimits(spec.rateLimits())),
                new ComplianceStep(policy),
                cacheStep,
                routeStep));
        // Token quotas, when the config has any: the tenant's after routing estimated the tokens, the backends' at
        // admission; every reservation settled when the request ends.
        dev.switchboard.core.internal.quota.QuotaStep quotaStep = spec.quotas().isEmpty() ? null
                : new dev.switchboard.core.internal.quota.QuotaStep(quotas);
        if (quotaStep != null) {
            steps.add(quotaStep);
        }
        steps.addAll(List.of(
                new FailoverStep(backends, spec.retry(), options.scheduler(), options.random(), metrics, coolDowns,
                        options.clock(), policy, ledger::exhaustedLevel),
                new AdmissionStep(ledger, policy, metrics, options.ticker(), coolDowns, quotaStep),
                new BackendStep(policy, metrics)));
        this.chain = new RequestChain(steps);
        this.gauges = previous != null ? previous.gauges : new GaugeSet(options.meters());
        bindGauges();
        if (previous == null || previous.alerts != alerts) {
            alerts.start();
        }
    }

    /** Budgets without their alert thresholds: what the ledger depends on. */
    private static List<BudgetSpec> limits(List<BudgetSpec> budgets) {
        return budgets.stream().map(BudgetSpec::withoutAlerts).toList();
    }

    /**
     * Records a model call a server refused before reading its body — shed at its edge while its event loop ran
     * late — as the audit step records every other: one record (model and decision unknown, nothing sent), the call
     * metrics and the shed counter of scope {@code edge}.
     */
    void recordEdgeShed(String requestId, String tenant, GatewayException refusal, long millis) {
        metrics.shed("edge");
        Verdict clean = new Verdict(Assessment.CLEAN, Verdict.Outcome.CLEAN);
        CallRecord r = new CallRecord(options.clock().instant(), policy.recordable(requestId),
                policy.recordable(tenant), null, false, null, List.of(), null,
                refusal.status(), refusal.kind().code(), dev.switchboard.core.Usage.UNKNOWN, 0, "", millis,
                clean.found(), policy.recorded(clean, false, false, false), null, null,
                dev.switchboard.core.cache.CacheStatus.BYPASS, java.util.OptionalLong.empty());
        try {
            metrics.call(r);
            records.accept(r);
        } catch (RuntimeException e) {
            log.error("request {}: recording the call failed", requestId, e);
        }
    }

    /** Each record to the audit log, then to the application's listener; a listener that throws is logged. */
    private static java.util.function.Consumer<CallRecord> calls(AuditLog audit,
            java.util.function.Consumer<CallRecord> listener) {
        return r -> {
            audit.append(r);
            try {
                listener.accept(r);
            } catch (RuntimeException e) {
                log.error("request {}: the call listener failed", r.requestId(), e);
            }
        };
    }

    /**
     * The series that follow the config: each backend's breaker, each rule's first-token SLO, each tenant's budget;
     * and the alerting counters at 0 (OPERATIONS.md, "Alerts"). Gauges read live state and never block a scrape.
     */
    private void bindGauges() {
        Map<GaugeSet.Series, DoubleSupplier> series =
                new LinkedHashMap<>();
        for (BackendSpec b : spec.backends()) {
            BackendRuntime rt = backends.get(b.name());
            series.put(GaugeSet.Series.of("switchboard.breaker.open",
                    "1 while the backend's circuit breaker is open (or forced open), else 0", null,
                    "backend", b.name()), () -> {
                        BreakerState st = rt.breaker().state();
                        return st == BreakerState.OPEN
                                || st == BreakerState.FORCED_OPEN ? 1 : 0;
                    });
        }
        for (dev.switchboard.core.config.RouteSpec route : spec.routes()) {
            for (int i = 0; i < route.rules().size(); i++) {
                java.time.Duration slo = route.rules().get(i).slo().firstTokenP95();
                if (slo != null) {
                    double seconds = slo.toNanos() / 1e9;
                    series.put(GaugeSet.Series.of("switchboard.slo.first.token",
                            "The rule's first-token p95 objective (slo.first-token-p95)", "seconds",
                            "route", route.name(), "rule", Integer.toString(i)), () -> seconds);
                }
            }
        }
        BudgetFigures figures =
                new BudgetFigures(ledger, options.ticker());
        for (BudgetSpec b : spec.budgets()) {
            String tenant = b.tenant();
            budgetSeries(series, figures, tenant, b.currency(), "day", b.daily(),
                    TenantBudget::spentToday, TenantBudget::reservedToday);
            budgetSeries(series, figures, tenant, b.currency(), "week", b.weekly(),
                    TenantBudget::spentThisWeek, TenantBudget::reservedThisWeek);
            budgetSeries(series, figures, tenant, b.currency(), "month", b.monthly(),
                    TenantBudget::spentThisMonth, TenantBudget::reservedThisMonth);
            series.put(GaugeSet.Series.of("switchboard.budget.exhausted",
                    "1 while a limit of the tenant's budget is reached, else 0", null, "tenant", tenant), () -> {
                        TenantBudget t = figures.of(tenant);
                        return t != null && t.exhausted() ? 1 : 0;
                    });
        }
        gauges.bind(series);
        java.util.Set<String> kinds = new java.util.TreeSet<>(spec.compliance().detectors());
        spec.compliance().patterns().forEach(p -> kinds.add(p.kind()));
        spec.compliance().keywords().forEach(k -> kinds.add(k.kind()));
        List<String> external = spec.backends().stream()
                .filter(b -> b.residency() == dev.switchboard.core.config.Residency.EXTERNAL)
                .map(BackendSpec::name).toList();
        List<String> shedScopes = new java.util.ArrayList<>(List.of("gateway", "edge"));
        spec.backends().forEach(b -> shedScopes.add(b.name()));
        metrics.prime(external, kinds, shedScopes);
        spec.backends().forEach(b -> metrics.prime(b.name()));
    }

    private static void budgetSeries(
            Map<GaugeSet.Series, DoubleSupplier> series,
            BudgetFigures figures, String tenant, String currency,
            String period, java.math.BigDecimal limit,
            java.util.function.Function<TenantBudget, java.math.BigDecimal> spent,
            java.util.function.Function<TenantBudget, java.math.BigDecimal> reserved) {
        if (limit == null) {
            return;
        }
        String[] tags = {"tenant", tenant, "period", period, "currency", currency};
        double max = limit.doubleValue();
        series.put(GaugeSet.Series.of("switchboard.budget.limit",
                "The tenant's budget for the period", null, tags), () -> max);
        series.put(GaugeSet.Series.of("switchboard.budget.spent",
                "Settled cost in the tenant's budget period", null, tags), () -> {
                    TenantBudget t = figures.of(tenant);
                    return t == null ? Double.NaN : spent.apply(t).doubleValue();
                });
        series.put(GaugeSet.Series.of("switchboard.budget.reserved",
                "Cost held by calls in flight in the tenant's budget period", null, tags), () -> {
                    TenantBudget t = figures.of(tenant);
                    return t == null ? Double.NaN : reserved.apply(t).doubleValue();
                });
    }

    /** Gauges of the gateway's concurrency limit, bound once to whichever limit is in force (0 when off). */
    private static AtomicReference<dev.switchboard.core.internal.overload.ConcurrencyLimit> bindOverloadMeters(
            io.micrometer.core.instrument.MeterRegistry meters) {
        AtomicReference<dev.switchboard.core.internal.overload.ConcurrencyLimit> inForce = new AtomicReference<>();
        io.micrometer.core.instrument.Gauge.builder("switchboard.concurrency.limit", inForce,
                l -> l.get() == null ? 0 : l.get().limit()).tag("scope", "gateway")
                .description("Requests the gateway works on before their first token at most (0: no limit)")
                .register(meters);
        io.micrometer.core.instrument.Gauge.builder("switchboard.concurrency.in.flight", inForce,
                l -> l.get() == null ? 0 : l.get().inFlight()).tag("scope", "gateway")
                .description("Requests under the gateway's concurrency limit now").register(meters);
        return inForce;
    }

    private static AtomicReference<ResponseCache> bindCacheMeters(io.micrometer.core.instrument.MeterRegistry meters) {
        AtomicReference<ResponseCache> inForce = new AtomicReference<>();
        io.micrometer.core.instrument.FunctionCounter.builder("switchboard.cache.hits", inForce,
                c -> c.get().stats().hits()).register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("switchboard.cache.misses", inForce,
                c -> c.get().stats().misses()).register(meters);
        io.micrometer.core.instrument.FunctionCounter.builder("switchboard.cache.evictions", inForce,
                c -> c.get().stats().evictions()).register(meters);
        io.micrometer.core.instrument.Gauge.builder("switchboard.cache.bytes", inForce,
                c -> c.get().stats().bytes()).register(meters);
        return inForce;
    }

    /**
     * Every backend outside the bank goes behind the egress guard, whichever factory made it: the last check before
     * bytes leave, on every path to the transport.
     */
    private Backend guarded(Backend transport) {
        BackendSpec configured = spec.backends().stream().filter(b -> b.name().equals(transport.spec().name()))
                .findFirst().orElse(null);
        if (!transport.spec().equals(configured)) {
            // Residency is the config's word, not the transport's: a factory may not re-describe a backend.
            throw new IllegalStateException("backend factory returned a backend for " + transport.spec().name()
                    + " that does not match its configuration");
        }
        if (!policy.guardsEgressTo(configured.residency())) {
            return transport;
        }
        return new dev.switchboard.core.internal.backend.GuardedBackend(transport, policy.guard(), guardInForce::get,
                (backend, found) -> {
            metrics.egressRefused(backend, found);
            log.error("egress guard refused a request to external backend {}: it holds {}", backend,
                    found.describe());
        });
    }

    /**
     * An engine on a new config that keeps what did not change: backends with an unchanged config keep their
     * statistics and circuit breakers, unchanged budgets keep their spend, the audit log and cache carry on. Requests
     * already running finish on this engine. Close only the newest: the parts they share stay open until then.
     */
    GatewayEngine reconfigure(GatewaySpec newSpec) {
        if (!newSpec.state().equals(spec.state())) {
            throw new dev.switchboard.core.config.ConfigException("reload", List.of(
                    new dev.switchboard.core.config.ConfigError("state", "the state store cannot change while "
                            + "running (in-flight reservations and slots live in it); restart to change it")));
        }
        GatewayEngine next = new GatewayEngine(newSpec, options, this);
        if (next.audit != audit) {
            audit.close(); // what was appended is written out; late appends are written synchronously
        }
        if (next.alerts != alerts) {
            alerts.close();
        }
        return next;
    }

    public GatewaySpec spec() {
        return spec;
    }

    /** The model names clients may send (route names and aliases). */
    public List<String> models() {
        return table.modelNames();
    }

    /**
     * Where this request would go and why, without calling any backend: the same decision a call would make now,
     * over the live statistics and budgets.
     *
     * @throws GatewayException as a call would fail before reaching a backend (unknown model, no rule, budget)
     */
    public RoutingDecision explain(GatewayRequest request) {
        return explain(request, judge(request));
    }

    /** Where this request would go under a verdict already reached (see {@link #judge}): the body is read once. */
    public RoutingDecision explain(GatewayRequest request, Verdict verdict) {
        if (verdict.outcome() == Verdict.Outcome.BLOCKED) {
            throw CompliancePolicy.blockedError(verdict.found());
        }
        return routeStep.decide(request, verdict);
    }

    /** The kinds and counts of customer data in a request (never the values). */
    public Assessment assess(GatewayRequest request) {
        return policy.assess(request.body());
    }

    /** The compliance verdict on a request: what it holds and what that allows (never the values). */
    public Verdict judge(GatewayRequest request) {
        return policy.judge(request.body());
    }

    /** Every backend's live state: load, cool-down, circuit breaker, latency and errors. */
    public List<BackendStatus> backends() {
        return backends.all().stream().map(this::status).toList();
    }

    /** One backend's live state, when a backend has that name. */
    public java.util.Optional<BackendStatus> backend(String name) {
        return java.util.Optional.ofNullable(backends.get(name)).map(this::status);
    }

    private BackendStatus status(BackendRuntime rt) {
        var s = rt.stats().snapshot();
        return new BackendStatus(rt.name(), s.inFlight(), s.capacity(), coolDowns.until(rt.name()),
                rt.breaker().status(), s.firstTokenP50Millis(), s.firstTokenP95Millis(), s.tokensPerSecondP50(),
                s.tokensPerSecondP95(), s.errorRate(), s.calls());
    }

    /** The metrics registry the gateway writes to. */
    public io.micrometer.core.instrument.MeterRegistry meters() {
        return options.meters();
    }

    /** Every tenant budget's state (with a shared store, waits for it up to its timeout). */
    public List<TenantBudget> budgets() {
        return ledger.snapshot().join();
    }

    /** Every tenant budget's state, without blocking. */
    public CompletableFuture<List<TenantBudget>> budgetsAsync() {
        return ledger.snapshot();
    }

    /** How the state store is doing. */
    public StoreHealth stateHealth() {
        return state.health();
    }

    /** A chat completion, waiting for the answer. */
    public GatewayResponse chat(GatewayRequest request) {
        return await(chatAsync(request));
    }

    /**
     * A chat completion without blocking. The future fails with {@link GatewayException}; cancelling it cancels
     * the upstream call.
     */
    public CompletableFuture<GatewayResponse> chatAsync(GatewayRequest request) {
        return sendAsync(request, Operation.CHAT, null);
    }

    /**
     * A chat completion without blocking, going on on {@code resumeOn} after any wait for a shared store (a server
     * passes the event loop that owns the client's connection, so the request never changes threads but there).
     */
    public CompletableFuture<GatewayResponse> chatAsync(GatewayRequest request, java.util.concurrent.Executor resumeOn) {
        return sendAsync(request, Operation.CHAT, resumeOn);
    }

    /** Embeddings without blocking. */
    public CompletableFuture<GatewayResponse> embeddingsAsync(GatewayRequest request) {
        return sendAsync(request, Operation.EMBEDDINGS, null);
    }

    /** Embeddings without blocking, going on on {@code resumeOn} after any wait for a shared store. */
    public CompletableFuture<GatewayResponse> embeddingsAsync(GatewayRequest request,
            java.util.concurrent.Executor resumeOn) {
        return sendAsync(request, Operation.EMBEDDINGS, resumeOn);
    }

    public GatewayResponse embeddings(GatewayRequest request) {
        return await(embeddingsAsync(request));
    }

    private CompletableFuture<GatewayResponse> sendAsync(GatewayRequest request, Operation operation,
            java.util.concurrent.Executor resumeOn) {
        if (request.body().operation() != operation) {
            return CompletableFuture.failedFuture(GatewayException.invalid(null,
                    "a " + request.body().operation() + " body sent to the " + operation + " operation"));
        }
        if (request.body().stream()) {
            return CompletableFuture.failedFuture(GatewayException.invalid("stream",
                    "'stream: true' needs the streaming call (chatStream)"));
        }
        Exchange x = Exchange.call(request, operation, options.clock().instant(), options.ticker(), resumeOn);
        // The future the caller holds; cancelling it reaches whichever step is running at that moment.
        CompletableFuture<GatewayResponse> result = new CompletableFuture<>();
        result.whenComplete((r, error) -> {
            if (result.isCancelled()) {
                x.cancel();
            }
        });
        chain.run(x).whenComplete((reply, error) -> {
            if (error != null) {
                result.completeExceptionally(Causes.of(error));
            } else if (reply instanceof Reply.Answer a) {
                result.complete(new GatewayResponse(a.body(), a.contentType(), request.requestId(), x.decision(),
                        a.backend(), a.usage(), x.attempts(), a.cost(), a.currency(), x.cache()));
            } else {
                result.completeExceptionally(new GatewayException(ErrorKind.INTERNAL,
                        "the chain answered a call with " + reply));
            }
        });
        return result;
    }

    /** Cache counters and size. */
    public CacheStats cacheStats() {
        return cache.stats();
    }

    /** The route a model name (a route's name or one of its aliases) selects, when there is one. */
    public java.util.Optional<String> route(String model) {
        return table.knows(model) ? java.util.Optional.of(table.routeOf(model)) : java.util.Optional.empty();
    }

    /** Each route's rules' conditions in words (as a decision trace writes them), by route name, in rule order. */
    public Map<String, List<String>> ruleConditions() {
        return table.conditions();
    }

    /** A client's string as this config's detectors let it be written ({@link CompliancePolicy#recordable}). */
    String recordable(String clientText) {
        return policy.recordable(clientText);
    }

    /** The steps every request goes through, in order. */
    public List<String> chain() {
        return chain.names();
    }

    /**
     * A streamed chat completion: events go to the listener as the upstream produces them. A routing error is
     * reported to the listener too ({@code onError(e, false)}), so callers have one path for failures.
     */
    public StreamCall chatStream(GatewayRequest request, StreamListener listener) {
        return chatStream(request, listener, null);
    }

    /** A streamed chat completion going on on {@code resumeOn} after any wait for a shared store. */
    public StreamCall chatStream(GatewayRequest request, StreamListener listener,
            java.util.concurrent.Executor resumeOn) {
        Objects.requireNonNull(listener, "listener");
        if (!request.body().stream()) {
            listener.onError(GatewayException.invalid("stream", "the streaming call needs 'stream: true'"), false);
            return () -> { };
        }
        Exchange x = Exchange.stream(request, options.clock().instant(), options.ticker(), listener, resumeOn);
        chain.run(x).whenComplete((reply, error) -> {
            if (error == null) {
                return; // started: its events, end or cut go down the listener
            }
            Throwable cause = Causes.of(error);
            if (cause instanceof CancellationException && x.cancelled()) {
                return; // the client left: nobody to tell
            }
            if (!(cause instanceof GatewayException)) {
                log.error("request {}: the stream failed before it started", request.requestId(), cause);
            }
            listener.onError(cause instanceof GatewayException g ? g
                    : new GatewayException(ErrorKind.INTERNAL, "starting the stream failed: " + cause, cause), false);
        });
        return x::cancel;
    }

    private static GatewayResponse await(CompletableFuture<GatewayResponse> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorKind.INTERNAL, "interrupted while waiting for the upstream", e);
        } catch (ExecutionException | CompletionException | CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof GatewayException g) {
                throw g;
            }
            throw new GatewayException(ErrorKind.INTERNAL, "unexpected failure: " + cause, cause);
        }
    }

    /** Stops upstream calls and writes out the audit log. */
    @Override
    public void close() {
        alerts.close();
        http.close();
        audit.close();
        state.close();
    }
}
