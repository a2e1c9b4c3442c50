package dev.switchboard.core.backend;

import dev.switchboard.core.config.BackendSpec;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;

/**
 * The one OkHttp client behind every backend: one connection pool and one dispatcher, with per-backend timeouts
 * derived from it ({@link OkHttpClient#newBuilder()} shares both).
 *
 * <p>OkHttp reads a streamed body by blocking a thread, so one open stream holds one dispatcher thread. On JDK 21+
 * those are virtual threads; on 17 a platform pool that grows with demand. The dispatcher's queue limits, 64 calls
 * and 5 per host by default, would queue streams behind each other, so they are sized from the backends'
 * {@code max-concurrency} instead.
 */
public final class UpstreamHttp implements AutoCloseable {
    /**
     * Made for the first backend that calls through OkHttp: building it sets up the JDK's TLS, a third of a second of
     * start-up on one core, which a sidecar whose backends all go through its own Netty client never needs.
     */
    private OkHttpClient base;
    private final int maxRequests;
    private final int maxPerHost;
    private final ExecutorService executor;
    /** The stream watchdog's sweep. */
    private final ScheduledExecutorService timers;
    private final StreamWatchdog watchdog;
    private final java.time.Clock clock;

    /**
     * With the gateway's time: {@code clock} for wall time (an HTTP-date {@code Retry-After}), {@code ticker} for
     * the stream guards ({@code GatewayOptions.clock()} and {@code .ticker()}).
     */
    public UpstreamHttp(List<BackendSpec> backends, java.time.Clock clock, java.util.function.LongSupplier ticker) {
        this.clock = clock;
        this.executor = newExecutor();
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "switchboard-upstream-timers");
            t.setDaemon(true);
            return t;
        });
        scheduler.setRemoveOnCancelPolicy(true);
        this.timers = scheduler;
        this.watchdog = new StreamWatchdog(scheduler, ticker);
        long sum = backends.stream().mapToLong(b -> b.limits().maxConcurrency()).sum();
        this.maxRequests = (int) Math.min(Integer.MAX_VALUE, Math.max(64, sum));
        this.maxPerHost = Math.max(5, backends.stream().mapToInt(b -> b.limits().maxConcurrency()).max().orElse(64));
    }

    private synchronized OkHttpClient base() {
        if (base == null) {
            Dispatcher dispatcher = new Dispatcher(executor);
            dispatcher.setMaxRequests(maxRequests);
            dispatcher.setMaxRequestsPerHost(maxPerHost);
            base = new OkHttpClient.Builder()
                    .dispatcher(dispatcher)
                    .connectionPool(new ConnectionPool(maxPerHost, 5, TimeUnit.MINUTES))
                    .protocols(List.of(Protocol.HTTP_1_1))
                    .retryOnConnectionFailure(false) // retries are the failover executor's decision
                    .followRedirects(false)
                    .build();
        }
        return base;
    }

    /**
     * A client for one backend's complete (non-streamed) calls: a model writes the whole answer before the
     * first byte, so only the total timeout bounds the wait.
     */
    public OkHttpClient unaryClientFor(BackendSpec spec) {
        return base().newBuilder()
                .connectTimeout(spec.limits().connectTimeout())
                .readTimeout(spec.limits().totalTimeout())
                .writeTimeout(spec.limits().connectTimeout().multipliedBy(2))
                .callTimeout(spec.limits().totalTimeout())
                .build();
    }

    /**
     * A client for one backend's streams. The {@link StreamWatchdog} enforces first-token, idle, speed and total
     * limits; OkHttp's read timeout is only a backstop behind it.
     */
    public OkHttpClient streamingClientFor(BackendSpec spec) {
        Duration read = (spec.limits().firstTokenTimeout().compareTo(spec.limits().idleTimeout()) > 0
                ? spec.limits().firstTokenTimeout() : spec.limits().idleTimeout()).plusSeconds(1);
        return base().newBuilder()
                .connectTimeout(spec.limits().connectTimeout())
                .readTimeout(read)
                .writeTimeout(spec.limits().connectTimeout().multipliedBy(2))
                .callTimeout(spec.limits().totalTimeout())
                .build();
    }

    /** Wall time, as the gateway injects it. */
    public java.time.Clock clock() {
        return clock;
    }

    public StreamWatchdog watchdog() {
        return watchdog;
    }

    private static ExecutorService newExecutor() {
        try {
            Method m = java.util.concurrent.Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
            return (ExecutorService) m.invoke(null);
        } catch (ReflectiveOperationException e) {
            AtomicInteger n = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), r -> {
                        Thread t = new Thread(null, r, "switchboard-upstream-" + n.incrementAndGet(), 256 * 1024);
                        t.setDaemon(true);
                        return t;
                    });
            return pool;
        }
    }

    @Override
    public void close() {
        OkHttpClient client;
        synchronized (this) {
            client = base;
        }
        if (client != null) {
            client.dispatcher().cancelAll();
        }
        executor.shutdown();
        timers.shutdownNow();
        if (client != null) {
            client.connectionPool().evictAll();
        }
    }
}
