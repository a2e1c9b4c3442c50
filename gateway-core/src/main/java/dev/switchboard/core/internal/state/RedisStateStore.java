package dev.switchboard.core.internal.state;

import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.CacheSpec;
import dev.switchboard.core.config.RateLimitSpec;
import dev.switchboard.core.config.StateSpec;
import dev.switchboard.core.internal.resilience.BackendBreaker;
import dev.switchboard.core.internal.stats.BackendStats;
import dev.switchboard.core.state.StoreHealth;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * State shared by every sidecar on one Redis (client: Lettuce). Each operation on the request path is one
 * server-side script, so one round trip, and atomic. Every command has the configured timeout and passes a breaker:
 * while Redis is down or slow, requests do not wait for it, and each part falls back as {@code when-unavailable}
 * says. Reservations and capacity slots are leases this process renews; a sidecar that dies stops renewing, and
 * the next sidecar to touch the key gives them back.
 *
 * <p>Lease times are read from the injected clock of the sidecar that writes them, so sidecars' clocks must agree
 * to well within a lease (NTP does); tests move time forward instead of waiting.
 */
final class RedisStateStore implements StateStore {
    private static final Logger log = LoggerFactory.getLogger(RedisStateStore.class);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final StateSpec.RedisSpec spec;
    private final StateSpec.WhenUnavailable policy;
    private final Clock clock;
    private CoolDowns coolDowns;
    private final MeterRegistry meters;
    private final io.lettuce.core.resource.ClientResources resources;
    private final RedisClient client;
    private final RedisURI uri;
    private final AtomicReference<StatefulRedisConnection<String, byte[]>> connection = new AtomicReference<>();
    private final BackendBreaker breaker;
    private final ScheduledExecutorService timer;
    private final String owner = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicLong ids = new AtomicLong();
    /** Lease set key → ids this process holds in it, with the key's own time to live. */
    private final Map<String, Set<String>> leases = new ConcurrentHashMap<>();
    private final Map<String, Long> leaseKeyTtl = new ConcurrentHashMap<>();
    /** Lease sets whose held leases are written again when Redis lost them (capacity slots). */
    private final Set<String> restoredLeaseKeys = ConcurrentHashMap.newKeySet();
    /** Settlements and releases that failed, tried again on every tick until Redis takes them. */
    private final Queue<Supplier<CompletableFuture<?>>> pending = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger pendingCount = new java.util.concurrent.atomic.AtomicInteger();
    /** Bounds memory during a long outage; what is dropped beyond it is left to the leases. */
    private static final int MAX_PENDING = 10_000;
    /** Sent per tick, so that a Redis coming back is not flooded with the backlog at once. */
    private static final int PENDING_PER_TICK = 500;
    /** Settlements and releases on their way, waited for (briefly) at close. */
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    /**
     * Where work continues after a Redis reply: never Lettuce's I/O threads, whose delay would be every other
     * command's timeout. A request that names its own executor (the sidecar's event loop) is handed on to it by
     * the chain ({@code Exchange.resume}); the store knows nothing of who called it.
     */
    private final java.util.concurrent.ExecutorService callbacks;
    /** Named tasks of every tick; a reload replaces a part's task instead of adding another. */
    private final Map<String, Runnable> onTick = new ConcurrentHashMap<>();
    /** Who listens on which channel (the full name, under the key prefix). */
    private final Map<String, java.util.function.Consumer<String>> subscribers = new ConcurrentHashMap<>();
    /** The subscriber connection, once made (Lettuce resubscribes it after a reconnect). */
    private volatile io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> pubSub;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong fallbacks = new AtomicLong();
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile boolean lastOk;
    private volatile boolean closed;

    static final Script BUDGET_SCRIPT = Script.load("budget.lua");
    static final Script CAPACITY_ACQUIRE_SCRIPT = Script.load("capacity-acquire.lua");
    static final Script CAPACITY_RELEASE_SCRIPT = Script.load("capacity-release.lua");
    static final Script RATE_LIMIT_SCRIPT = Script.load("rate-limit.lua");
    static final Script QUOTA_SCRIPT = Script.load("quota.lua");
    static final Script QUOTA_SETTLE_SCRIPT = Script.load("quota-settle.lua");
    private final Script leaseRenew = Script.load("lease-renew.lua");

    RedisStateStore(StateSpec state, Clock clock, MeterRegistry meters) {
        this.spec = state.redis();
        this.policy = state.whenUnavailable();
        this.clock = clock;
        this.meters = meters;
        this.uri = RedisURI.create(spec.uri());
        uri.setTimeout(spec.timeout());
        if (spec.password().isPresent()) {
            if (spec.username().isEmpty()) {
                uri.setCredentialsProvider(io.lettuce.core.RedisCredentialsProvider.from(
                        () -> io.lettuce.core.RedisCredentials.just(null, spec.password().reveal())));
            } else {
                uri.setCredentialsProvider(io.lettuce.core.RedisCredentialsProvider.from(
                        () -> io.lettuce.core.RedisCredentials.just(spec.username(), spec.password().reveal())));
            }
        }
        // Reconnect soon after Redis comes back (Lettuce's default backs off to 30 s); two I/O threads are plenty
        // for one connection.
        this.resources = io.lettuce.core.resource.ClientResources.builder().ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(() -> io.lettuce.core.resource.Delay.exponential(Duration.ofMillis(100),
                        Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // While disconnected, fail at once rather than queue: the fallback policy decides, not a buffer.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(spec.timeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(spec.timeout().multipliedBy(4)).build())
                .build());
        this.breaker = new BackendBreaker("state-store", spec.breaker(), clock, t -> {
            log.warn("state store breaker: {} -> {}", t.from(), t.to());
            meters.counter("switchboard.state.breaker.transitions", "to", t.to().wire()).increment();
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "switchboard-state");
            t.setDaemon(true);
            return t;
        });
        AtomicLong threads = new AtomicLong();
        this.callbacks = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                r -> {
                    Thread t = new Thread(r, "switchboard-state-callback-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        StateStore.replaceUpGauge(meters, Gauge.builder("switchboard.state.up", this, s -> s.health().up() ? 1 : 0)
                .description("1 while the shared state store answers"));
        // A sidecar that starts next to a healthy Redis is ready at once; one that starts while Redis is away
        // starts anyway, falls back meanwhile, and keeps trying in the background.
        try {
            connection.set(client.connect(CODEC, uri));
            lastOk = true;
        } catch (RuntimeException e) {
            noteFailure("connect", e);
            log.warn("state store: cannot reach Redis at {} yet ({}); retrying in the background", target(),
                    e.getMessage());
            timer.schedule(this::connect, 1, TimeUnit.SECONDS);
        }
        long period = Math.max(100, spec.lease().toMillis() / 3);
        timer.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
        connectPubSub();
    }

    /**
     * Messages published on {@code channel} (under the key prefix) by any sidecar, this one included, handed to
     * {@code onMessage} on Lettuce's thread (so it must be quick). Delivery is at most once: what a message carries
     * must also be readable on the tick, for a sidecar that was disconnected when it was sent.
     */
    void subscribe(String channel, java.util.function.Consumer<String> onMessage) {
        String name = key(channel);
        subscribers.put(name, onMessage);
        io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> p = pubSub;
        if (p != null) {
            p.async().subscribe(name);
        }
    }

    @Override
    public CompletableFuture<Boolean> claimOnce(String key, Duration ttl) {
        return run("claim", c -> c.set(key("claim:" + key), new byte[] {1},
                io.lettuce.core.SetArgs.Builder.nx().px(ttl.toMillis())).toCompletableFuture())
                .thenApply("OK"::equals);
    }

    /** Publishes {@code message} on {@code channel}; a failure only means the others learn it on their tick. */
    void publish(String channel, String message) {
        run("publish", c -> c.publish(key(channel), message.getBytes(StandardCharsets.UTF_8)).toCompletableFuture())
                .exceptionally(e -> null);
    }

    /** The subscriber connection, in the background, again every second until it is made. */
    private void connectPubSub() {
        if (closed) {
            return;
        }
        client.connectPubSubAsync(StringCodec.UTF8, uri).whenComplete((p, error) -> {
            if (error != null) {
                if (!closed) {
                    timer.schedule(this::connectPubSub, 1, TimeUnit.SECONDS);
                }
                return;
            }
            if (closed) {
                p.closeAsync();
                return;
            }
            p.addListener(new io.lettuce.core.pubsub.RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    java.util.function.Consumer<String> listener = subscribers.get(channel);
                    if (listener != null) {
                        try {
                            listener.accept(message);
                        } catch (RuntimeException e) {
                            log.error("state store: a message on {} could not be handled", channel, e);
                        }
                    }
                }
            });
            pubSub = p;
            if (!subscribers.isEmpty()) {
                p.async().subscribe(subscribers.keySet().toArray(String[]::new));
            }
        });
    }

    /** Connects in the background, and again every second until it works; Lettuce reconnects after that. */
    private void connect() {
        if (closed) {
            return;
        }
        client.connectAsync(CODEC, uri).whenComplete((c, error) -> {
            if (error != null) {
                noteFailure("connect", error);
                if (!closed) {
                    timer.schedule(this::connect, 1, TimeUnit.SECONDS);
                }
                return;
            }
            if (closed) {
                c.closeAsync();
                return;
            }
            connection.set(c);
            lastOk = true;
            log.info("state store connected to {}", target());
        });
    }

    String target() {
        return uri.getHost() + ":" + uri.getPort();
    }

    Clock clock() {
        return clock;
    }

    Duration lease() {
        return spec.lease();
    }

    StateSpec.WhenUnavailable policy() {
        return policy;
    }

    /** A key under the configured prefix. */
    String key(String suffix) {
        return spec.keyPrefix() + suffix;
    }

    /** A new lease id, unique across sidecars. */
    String newId() {
        return owner + ":" + ids.incrementAndGet();
    }

    /** Counts a decision taken by the fallback policy. */
    void fellBack(String part) {
        fallbacks.incrementAndGet();
        meters.counter("switchboard.state.fallbacks", "part", part).increment();
    }

    /**
     * Runs a script through the breaker. Fails with {@link StateUnavailableException} when there is no connection,
     * the breaker is open, or the command fails or times out.
     */
    <T> CompletableFuture<T> eval(String operation, Script script, ScriptOutputType type, String[] keys,
            Object... args) {
        byte[][] values = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            values[i] = String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
        }
        return run(operation, c -> {
            RedisFuture<T> f = c.evalsha(script.sha(), type, keys, values);
            return f.toCompletableFuture().exceptionallyCompose(e -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                // After a restart (or a SCRIPT FLUSH) Redis has forgotten the script: send it whole once.
                return cause instanceof RedisNoScriptException
                        ? c.<T>eval(script.source(), type, keys, values).toCompletableFuture()
                        : CompletableFuture.failedFuture(cause);
            });
        });
    }

    /** Runs a command through the breaker (see {@link #eval}). */
    <T> CompletableFuture<T> run(String operation,
            Function<RedisAsyncCommands<String, byte[]>, CompletableFuture<T>> command) {
        return run(operation, command, true);
    }

    /**
     * Runs a command; {@code guarded} ones pass the breaker. Lease renewals are not guarded: a breaker opened by
     * slow request traffic must not let the leases of calls still running expire.
     */
    private <T> CompletableFuture<T> run(String operation,
            Function<RedisAsyncCommands<String, byte[]>, CompletableFuture<T>> command, boolean guarded) {
        StatefulRedisConnection<String, byte[]> c = connection.get();
        if (closed) {
            return CompletableFuture.failedFuture(new StateUnavailableException("the shared state store is closed",
                    null));
        }
        if (c == null || !c.isOpen()) {
            StateUnavailableException e = new StateUnavailableException("the shared state store is not connected",
                    null);
            noteFailure(operation, e);
            return CompletableFuture.failedFuture(e);
        }
        if (guarded && !breaker.tryAcquire()) {
            return CompletableFuture.failedFuture(new StateUnavailableException("the shared state store is failing; "
                    + "its breaker is open", null));
        }
        java.time.Instant start = clock.instant();
        CompletableFuture<T> f;
        try {
            f = command.apply(c.async());
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.handleAsync((v, e) -> {
            Duration took = Duration.between(start, clock.instant());
            if (e == null) {
                if (guarded) {
                    breaker.onSuccess(took);
                }
                lastOk = true;
                return v;
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (guarded) {
                breaker.onFailure(took, "redis");
            }
            noteFailure(operation, cause);
            throw new StateUnavailableException("the shared state store failed on " + operation, cause);
        }, callbacks);
    }

    /**
     * Whether a failed command may still have run on Redis: it was sent and its reply did not come in time. A
     * command refused before sending (no connection, breaker open) did nothing there.
     */
    static boolean maybeRan(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof io.lettuce.core.RedisCommandTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private void noteFailure(String operation, Throwable cause) {
        failures.incrementAndGet();
        lastOk = false;
        lastError = operation + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        lastErrorAt = clock.instant();
        meters.counter("switchboard.state.failures", "operation", operation).increment();
        log.debug("state store {} failed", operation, cause);
    }

    /**
     * Registers a lease to renew until {@link #forget}; with {@code restore}, one that Redis lost (a restart
     * without persistence) is written again.
     */
    void hold(String leaseKey, String id, long keyTtlMillis, boolean restore) {
        leaseKeyTtl.putIfAbsent(leaseKey, keyTtlMillis);
        if (restore) {
            restoredLeaseKeys.add(leaseKey);
        }
        leases.computeIfAbsent(leaseKey, k -> ConcurrentHashMap.newKeySet()).add(id);
    }

    void forget(String leaseKey, String id) {
        Set<String> ids = leases.get(leaseKey);
        if (ids != null) {
            ids.remove(id);
        }
    }

    /** An operation to try again on every tick until it succeeds (a settlement must not be lost to a blip). */
    void retryLater(Supplier<CompletableFuture<?>> operation) {
        if (pendingCount.incrementAndGet() > MAX_PENDING) {
            pendingCount.decrementAndGet();
            meters.counter("switchboard.state.pending.dropped").increment();
            log.warn("state store: {} operations already wait for Redis; one more is left to its lease", MAX_PENDING);
            return;
        }
        pending.add(operation);
    }

    /** Tracks a settlement or release on its way, so that close can wait for it. */
    <T> CompletableFuture<T> track(CompletableFuture<T> f) {
        inFlight.add(f);
        f.whenComplete((v, e) -> inFlight.remove(f));
        return f;
    }

    /**
     * Undoes what a command that failed on our side may still have done on Redis's (a timeout is not a refusal):
     * queued for the next tick, when Redis may be back, and retried until it lands. Never sent at once — while
     * the command is failing, so would the undo.
     */
    void compensate(Throwable error, Supplier<CompletableFuture<?>> undo) {
        if (maybeRan(error)) {
            retryLater(undo);
        }
    }

    /** Something to do on every tick (budgets refresh their view of other sidecars' spend). */
    void onTick(String name, Runnable task) {
        onTick.put(name, task);
    }

    /** Every third of a lease: renew what this process holds, retry what failed, refresh views. */
    private void tick() {
        try {
            long expiry = clock.millis() + spec.lease().toMillis();
            for (Map.Entry<String, Set<String>> e : leases.entrySet()) {
                List<Object> args = new ArrayList<>();
                args.add(expiry);
                args.add(leaseKeyTtl.getOrDefault(e.getKey(), 0L));
                args.add(restoredLeaseKeys.contains(e.getKey()) ? 1 : 0);
                args.addAll(e.getValue());
                if (args.size() > 3) {
                    renew(e.getKey(), args.toArray());
                }
            }
            sendPending(PENDING_PER_TICK);
            onTick.values().forEach(Runnable::run);
        } catch (RuntimeException e) {
            log.error("state store tick failed", e);
        }
    }

    private void renew(String key, Object[] args) {
        byte[][] values = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            values[i] = String.valueOf(args[i]).getBytes(StandardCharsets.UTF_8);
        }
        run("renew", c -> c.<Long>evalsha(leaseRenew.sha(), ScriptOutputType.INTEGER, new String[] {key}, values)
                .toCompletableFuture().exceptionallyCompose(e -> {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    return cause instanceof RedisNoScriptException
                            ? c.<Long>eval(leaseRenew.source(), ScriptOutputType.INTEGER, new String[] {key}, values)
                            .toCompletableFuture() : CompletableFuture.failedFuture(cause);
                }), false);
    }

    /** Sends up to {@code max} waiting operations; those that fail wait for the next tick. */
    private List<CompletableFuture<?>> sendPending(int max) {
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (int n = Math.min(max, pending.size()); n > 0; n--) {
            Supplier<CompletableFuture<?>> op = pending.poll();
            if (op == null) {
                break;
            }
            pendingCount.decrementAndGet();
            CompletableFuture<?> f = op.get();
            sent.add(f);
            f.whenComplete((v, error) -> {
                if (error != null && !closed) {
                    retryLater(op);
                }
            });
        }
        return sent;
    }

    @Override
    public BudgetStore budgets(List<BudgetSpec> budgets) {
        return new RedisBudgets(this, budgets);
    }

    @Override
    public CapacityGate capacity(BackendSpec backend, BackendStats stats) {
        // Only a limit the config declares is shared; the default bound is a per-process safety net, not worth
        // a round trip on every call to a hosted model.
        return backend.limits().concurrencyDeclared() ? new RedisCapacity(this, backend, stats)
                : MemoryStateStore.localCapacity(stats);
    }

    @Override
    public RateLimits rateLimits(List<RateLimitSpec> limits) {
        return new RedisRateLimits(this, new RateLimiter(limits, clock));
    }

    @Override
    public dev.switchboard.core.internal.quota.QuotaStore quotas(List<dev.switchboard.core.config.QuotaSpec> quotas) {
        return new RedisQuotas(this, new dev.switchboard.core.internal.quota.LocalQuotas(quotas, clock));
    }

    @Override
    public SharedCache sharedCache(CacheSpec cache) {
        return cache.shared() ? new RedisSharedCache(this, cache) : SharedCache.NONE;
    }

    @Override
    public synchronized CoolDowns coolDowns() {
        if (coolDowns == null) {
            coolDowns = new RedisCoolDowns(this);
        }
        return coolDowns;
    }

    @Override
    public StoreHealth health() {
        StatefulRedisConnection<String, byte[]> c = connection.get();
        String state = breaker.state().wire();
        boolean up = c != null && c.isOpen() && lastOk && !breaker.rejectsNow();
        int held = leases.values().stream().mapToInt(Set::size).sum();
        return new StoreHealth("redis", target(), up, state, lastError, lastErrorAt, failures.get(), fallbacks.get(),
                held);
    }

    @Override
    public void close() {
        // Settlements of the calls that just ended (closing the upstream client ends them) and what waits for a
        // retry get a short last chance: spend not written here is lost to the budget.
        List<CompletableFuture<?>> last = new ArrayList<>(inFlight);
        last.addAll(sendPending(MAX_PENDING));
        try {
            CompletableFuture.allOf(last.toArray(CompletableFuture[]::new))
                    .get(spec.timeout().multipliedBy(4).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            if (!pending.isEmpty() || !inFlight.isEmpty()) {
                log.warn("state store closing with {} settlements or releases not written to Redis",
                        pendingCount.get() + inFlight.size());
            }
        }
        closed = true;
        timer.shutdownNow();
        callbacks.shutdown();
        StatefulRedisConnection<String, byte[]> c = connection.getAndSet(null);
        if (c != null) {
            c.close();
        }
        io.lettuce.core.pubsub.StatefulRedisPubSubConnection<String, String> p = pubSub;
        if (p != null) {
            p.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    /** A Lua script from the classpath, called by its SHA-1. */
    record Script(String source, String sha) {
        static Script load(String name) {
            try (InputStream in = RedisStateStore.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException("script " + name + " is missing from the classpath");
                }
                String source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                java.security.MessageDigest sha1 = java.security.MessageDigest.getInstance("SHA-1");
                return new Script(source, java.util.HexFormat.of().formatHex(sha1.digest(
                        source.getBytes(StandardCharsets.UTF_8))));
            } catch (IOException | java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("cannot load script " + name, e);
            }
        }
    }
}
