package dev.switchboard.core;

import dev.switchboard.core.audit.AuditLog;
import dev.switchboard.core.cache.CachedAnswer;
import dev.switchboard.core.cache.ResponseCache;
import dev.switchboard.core.cache.StreamAssembler;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.RequestScanner;
import dev.switchboard.core.config.ComplianceSpec;
import dev.switchboard.core.budget.BudgetLedger;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.routing.LiveSignals;
import dev.switchboard.core.stats.BackendStats;
import dev.switchboard.core.backend.OpenAiBackend;
import dev.switchboard.core.backend.UpstreamHttp;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.routing.RoutingInput;
import dev.switchboard.core.routing.RoutingTable;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The gateway as a library: routes OpenAI-style requests to the configured backends and explains each decision.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.fromConfig(Path.of("switchboard.yaml"))) {
 *     GatewayResponse r = gateway.chat(GatewayRequest.chat("{\"model\":\"chat\",\"messages\":[...]}"));
 * }
 * }</pre>
 *
 * Thread-safe; one instance serves the whole application. Calls never block the calling thread except
 * {@link #chat}, which waits for {@link #chatAsync}.
 */
public final class Gateway implements AutoCloseable {
    private final GatewaySpec spec;
    private final GatewayOptions options;
    private final RoutingTable table;
    private final UpstreamHttp http;
    private final Map<String, FailoverExecutor.BackendRuntime> backends;
    private final BudgetLedger ledger;
    private final AuditLog audit;
    private final FailoverExecutor executor;
    private final LiveSignals signals;
    private final GatewayMetrics metrics;
    private final RequestScanner scanner;
    private final ResponseCache cache;
    private final RateLimiter rateLimiter;
    private final Map<String, dev.switchboard.core.config.CacheSpec.RouteCache> routeCaches;
    /** Request header that controls the cache: {@code no-store} or {@code refresh}. */
    public static final String CACHE_HEADER = "x-switchboard-cache";
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Gateway.class);

    private Gateway(GatewaySpec spec, GatewayOptions options) {
        this(spec, options, null);
    }

    /**
     * A gateway on {@code spec}; with {@code previous}, what did not change is carried over from it — the upstream
     * client, the backends whose config is unchanged with their statistics and breakers, the budget ledger, the
     * audit log and the cache when their config is unchanged.
     */
    private Gateway(GatewaySpec spec, GatewayOptions options, Gateway previous) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.options = Objects.requireNonNull(options, "options");
        this.table = RoutingTable.compile(spec);
        this.metrics = new GatewayMetrics(options.meters());
        this.http = previous != null ? previous.http : new UpstreamHttp(spec.backends());
        Map<String, FailoverExecutor.BackendRuntime> map = new LinkedHashMap<>();
        for (BackendSpec b : spec.backends()) {
            FailoverExecutor.BackendRuntime kept = previous == null ? null : previous.backends.get(b.name());
            if (kept != null && kept.spec().equals(b)) {
                map.put(b.name(), kept);
                continue;
            }
            map.put(b.name(), new FailoverExecutor.BackendRuntime(new OpenAiBackend(b, http),
                    new BackendStats(b.name(), b.limits().maxConcurrency(), options.clock()),
                    new dev.switchboard.core.resilience.BackendBreaker(b.name(), b.breaker(), options.clock(),
                            t -> {
                                metrics.breakerTransition(b.name(), t.from(), t.to());
                                log.warn("circuit breaker of backend {}: {} -> {}", b.name(), t.from(), t.to());
                            })));
        }
        this.backends = java.util.Collections.unmodifiableMap(map);
        this.ledger = previous != null && previous.spec.budgets().equals(spec.budgets()) ? previous.ledger
                : new BudgetLedger(spec.budgets(), options.clock());
        this.audit = previous != null && previous.spec.audit().equals(spec.audit()) ? previous.audit
                : AuditLog.open(spec.audit(), options.clock());
        this.scanner = new RequestScanner(spec.compliance().scanner());
        this.cache = previous != null && previous.spec.cache().equals(spec.cache()) ? previous.cache
                : new ResponseCache(spec.cache(), options.clock());
        this.rateLimiter = new RateLimiter(spec.rateLimits(), options.clock());
        io.micrometer.core.instrument.FunctionCounter.builder("switchboard.cache.hits", cache,
                c -> c.stats().hits()).register(options.meters());
        io.micrometer.core.instrument.FunctionCounter.builder("switchboard.cache.misses", cache,
                c -> c.stats().misses()).register(options.meters());
        io.micrometer.core.instrument.FunctionCounter.builder("switchboard.cache.evictions", cache,
                c -> c.stats().evictions()).register(options.meters());
        io.micrometer.core.instrument.Gauge.builder("switchboard.cache.bytes", cache, c -> c.stats().bytes())
                .register(options.meters());
        Map<String, dev.switchboard.core.config.CacheSpec.RouteCache> rc = new LinkedHashMap<>();
        spec.routes().forEach(r -> rc.put(r.name(), r.cache()));
        this.routeCaches = Map.copyOf(rc);
        this.executor = new FailoverExecutor(backends, ledger, options.clock(), audit::append, spec.retry(),
                http.timers(), options.random(), metrics, spec.compliance(), scanner);
        this.signals = new LiveSignals() {
            @Override
            public BackendStats stats(String backend) {
                FailoverExecutor.BackendRuntime rt = backends.get(backend);
                return rt == null ? null : rt.stats();
            }

            @Override
            public boolean circuitOpen(String backend) {
                FailoverExecutor.BackendRuntime rt = backends.get(backend);
                return rt != null && rt.breaker().rejectsNow();
            }

            @Override
            public java.util.Optional<BudgetSpec.WhenExhausted> exhaustedBudget(String tenant) {
                return ledger.exhausted(tenant) ? ledger.budget(tenant).map(BudgetSpec::whenExhausted)
                        : java.util.Optional.empty();
            }
        };
    }

    /**
     * A gateway on a new config that keeps what did not change: backends with an unchanged config keep their
     * statistics and circuit breakers, unchanged budgets keep their spend, the audit log and cache carry on. Requests
     * already running finish on this gateway; send new ones to the returned one. Close only the newest gateway: the
     * parts they share stay open until then.
     */
    public Gateway reconfigure(GatewaySpec newSpec) {
        Gateway next = new Gateway(newSpec, options, this);
        if (next.audit != audit) {
            audit.close(); // what was appended is written out; late appends are written synchronously
        }
        return next;
    }

    /** Loads, validates and starts a gateway from a YAML file; {@code ${env:NAME}} reads the environment. */
    public static Gateway fromConfig(Path file) {
        return fromConfig(file, GatewayOptions.defaults());
    }

    public static Gateway fromConfig(Path file, GatewayOptions options) {
        return new Gateway(ConfigLoader.withEnv(options.env()).load(file), options);
    }

    /** A gateway over an already validated spec. */
    public static Gateway create(GatewaySpec spec, GatewayOptions options) {
        return new Gateway(spec, options);
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
        return explain(request, assess(request));
    }

    private RoutingDecision explain(GatewayRequest request, Assessment sensitive) {
        return table.decide(new RoutingInput(request.body(), request.headers(), request.tenant(),
                options.clock().instant(), sensitive), options.random(), signals);
    }

    /** The kinds and counts of customer data in a request (never the values). */
    public Assessment assess(GatewayRequest request) {
        return scanner.assess(request.body().tree());
    }

    /** Live statistics of every backend. */
    public List<BackendStats.Snapshot> backendStats() {
        return backends.values().stream().map(rt -> rt.stats().snapshot()).toList();
    }

    /** Circuit breakers by backend: state, failure rate and recent transitions. */
    public Map<String, dev.switchboard.core.resilience.BackendBreaker> breakers() {
        Map<String, dev.switchboard.core.resilience.BackendBreaker> out = new LinkedHashMap<>();
        backends.forEach((name, rt) -> out.put(name, rt.breaker()));
        return java.util.Collections.unmodifiableMap(out);
    }

    /** The metrics registry the gateway writes to. */
    public io.micrometer.core.instrument.MeterRegistry meters() {
        return options.meters();
    }

    /** Every tenant budget's state. */
    public List<BudgetLedger.TenantState> budgets() {
        return ledger.snapshot();
    }

    /**
     * Decides, applying the compliance policy first (a blocked request never reaches routing), and records a
     * refusal in the audit log before it is thrown.
     */
    private RoutingDecision decide(GatewayRequest request, Assessment sensitive) {
        try {
            if (sensitive.sensitive() && spec.compliance().action() == ComplianceSpec.Action.BLOCK) {
                throw new GatewayException(ErrorKind.SENSITIVE_DATA_BLOCKED, "request blocked: it contains "
                        + "customer data (" + sensitive.describe() + "); remove it or ask for an exception");
            }
            return explain(request, sensitive);
        } catch (GatewayException e) {
            RoutingDecision decision = e instanceof RoutingTable.NoCandidateException n ? n.decision() : null;
            String action = !sensitive.sensitive() ? "none"
                    : e.kind() == ErrorKind.SENSITIVE_DATA_BLOCKED ? "blocked"
                    : spec.compliance().action().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            audit.append(new CallRecord(options.clock().instant(), request.requestId(), request.tenant(),
                    request.body().model(), request.body().stream(), decision, List.of(), null, e.status(),
                    e.kind().code(), Usage.UNKNOWN, 0, "", 0, sensitive, action,
                    spec.compliance().logPrompts() ? request.body().promptText() : null));
            throw e;
        }
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
        return sendAsync(request, Operation.CHAT);
    }

    /** Embeddings without blocking. */
    public CompletableFuture<GatewayResponse> embeddingsAsync(GatewayRequest request) {
        return sendAsync(request, Operation.EMBEDDINGS);
    }

    public GatewayResponse embeddings(GatewayRequest request) {
        return await(embeddingsAsync(request));
    }

    private CompletableFuture<GatewayResponse> sendAsync(GatewayRequest request, Operation operation) {
        if (request.body().operation() != operation) {
            return CompletableFuture.failedFuture(GatewayException.invalid(null,
                    "a " + request.body().operation() + " body sent to the " + operation + " operation"));
        }
        if (request.body().stream()) {
            return CompletableFuture.failedFuture(GatewayException.invalid("stream",
                    "'stream: true' needs the streaming call (chatStream)"));
        }
        try {
            rateLimiter.acquire(request.tenant());
        } catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        Assessment sensitive = assess(request);
        if (sensitive.sensitive() && spec.compliance().action() == ComplianceSpec.Action.BLOCK
                || operation != Operation.CHAT) {
            return call(request, sensitive).thenApply(r -> r.withCache("bypass"));
        }
        String key = cacheKey(request, sensitive);
        if (key == null) {
            return call(request, sensitive).thenApply(r -> r.withCache("bypass"));
        }
        boolean refresh = "refresh".equalsIgnoreCase(request.headers().get(CACHE_HEADER));
        CompletableFuture<CachedAnswer> mine = new CompletableFuture<>();
        CompletableFuture<CachedAnswer> existing = refresh ? null : cache.claim(key, mine);
        if (existing != null) {
            // An identical request answered before, or being answered now: wait for it instead of calling again.
            return existing.handle((answer, error) -> answer).thenCompose(answer -> answer != null
                    ? CompletableFuture.completedFuture(hit(request, answer, sensitive))
                    : call(request, sensitive).thenApply(r -> r.withCache("miss")));
        }
        // The answer goes into the cache before the caller sees it: a request right after finds it there.
        return call(request, sensitive).whenComplete((r, error) -> {
            CachedAnswer answer = error == null ? new CachedAnswer(r.body(), r.backend(), r.usage()) : null;
            if (refresh && answer != null) {
                cache.put(key, answer);
            }
            mine.complete(answer); // empty: Caffeine forgets the key
        }).thenApply(r -> r.withCache("miss"));
    }

    private CompletableFuture<GatewayResponse> call(GatewayRequest request, Assessment sensitive) {
        RoutingDecision decision;
        try {
            decision = decide(request, sensitive);
        } catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        return executor.send(request, decision, sensitive);
    }

    /** The cache key of a request, or null when it is not to be cached (route, determinism, no-store). */
    private String cacheKey(GatewayRequest request, Assessment sensitive) {
        String route = table.routeOf(request.body().model());
        if (route == null || "no-store".equalsIgnoreCase(request.headers().get(CACHE_HEADER))
                || !cache.cacheable(routeCaches.get(route), request.body())) {
            return null;
        }
        return cache.key(route, request.tenant(), sensitive, request.body());
    }

    private GatewayResponse hit(GatewayRequest request, CachedAnswer answer, Assessment sensitive) {
        List<Attempt> steps = List.of(new Attempt(answer.backend(), Attempt.CACHE_HIT, 0));
        audit.append(new CallRecord(options.clock().instant(), request.requestId(), request.tenant(),
                request.body().model(), request.body().stream(), null, steps, answer.backend(), 200, null,
                answer.usage(), 0, "", 0, sensitive, sensitive.sensitive() ? "cached-per-tenant" : "none",
                spec.compliance().logPrompts() ? request.body().promptText() : null));
        return new GatewayResponse(answer.completion(), "application/json", request.requestId(), null,
                answer.backend(), answer.usage(), steps, 0, "", "hit");
    }

    /** Cache counters and size. */
    public ResponseCache.Stats cacheStats() {
        return cache.stats();
    }

    /**
     * A streamed chat completion: events go to the listener as the upstream produces them. A routing error is
     * reported to the listener too ({@code onError(e, false)}), so callers have one path for failures.
     */
    public StreamCall chatStream(GatewayRequest request, StreamListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (!request.body().stream()) {
            listener.onError(GatewayException.invalid("stream", "the streaming call needs 'stream: true'"), false);
            return () -> { };
        }
        try {
            rateLimiter.acquire(request.tenant());
        } catch (GatewayException e) {
            listener.onError(e, false);
            return () -> { };
        }
        Assessment sensitive = assess(request);
        boolean blocked = sensitive.sensitive() && spec.compliance().action() == ComplianceSpec.Action.BLOCK;
        String key = blocked ? null : cacheKey(request, sensitive);
        if (key == null) {
            listener.onCache("bypass");
            return streamCall(request, sensitive, listener);
        }
        boolean refresh = "refresh".equalsIgnoreCase(request.headers().get(CACHE_HEADER));
        CompletableFuture<CachedAnswer> mine = new CompletableFuture<>();
        CompletableFuture<CachedAnswer> existing = refresh ? null : cache.claim(key, mine);
        if (existing != null) {
            java.util.concurrent.atomic.AtomicReference<StreamCall> own = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
            existing.handle((answer, error) -> answer).thenAccept(answer -> {
                if (cancelled.get()) {
                    return;
                }
                if (answer == null) {
                    listener.onCache("miss");
                    own.set(streamCall(request, sensitive, listener));
                    return;
                }
                hit(request, answer, sensitive);
                listener.onCache("hit");
                listener.onStart(null, answer.backend());
                for (String event : StreamAssembler.replay(answer.completion(), request.body().clientWantsUsage())) {
                    listener.onEvent(event);
                }
                listener.onComplete(answer.usage(), "stop");
            });
            return () -> {
                cancelled.set(true);
                StreamCall c = own.get();
                if (c != null) {
                    c.cancel();
                }
            };
        }
        listener.onCache("miss");
        StreamAssembler assembler = new StreamAssembler();
        StreamCall call = streamCall(request, sensitive, new StreamListener() {
            private String backend;

            @Override
            public void onStart(RoutingDecision decision, String b) {
                backend = b;
                listener.onStart(decision, b);
            }

            @Override
            public void onEvent(String data) {
                assembler.accept(data);
                listener.onEvent(data);
            }

            @Override
            public void onIdle() {
                listener.onIdle();
            }

            @Override
            public void onComplete(Usage usage, String finishReason) {
                byte[] completion = assembler.completion(usage);
                CachedAnswer answer = completion == null ? null : new CachedAnswer(completion, backend, usage);
                if (refresh && answer != null) {
                    cache.put(key, answer);
                }
                mine.complete(answer);
                listener.onComplete(usage, finishReason);
            }

            @Override
            public void onError(GatewayException error, boolean started) {
                mine.complete(null); // only complete answers are kept
                listener.onError(error, started);
            }
        });
        return () -> {
            mine.complete(null); // waiters make their own call
            call.cancel();
        };
    }

    private StreamCall streamCall(GatewayRequest request, Assessment sensitive, StreamListener listener) {
        RoutingDecision decision;
        try {
            decision = decide(request, sensitive);
        } catch (GatewayException e) {
            listener.onError(e, false);
            return () -> { };
        }
        return executor.stream(request, decision, sensitive, listener);
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
        http.close();
        audit.close();
    }
}
