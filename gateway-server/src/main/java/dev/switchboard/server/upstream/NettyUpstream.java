package dev.switchboard.server.upstream;

import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.BackendFactory;
import dev.switchboard.core.backend.OpenAiBackend;
import dev.switchboard.core.backend.UpstreamHttp;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.server.http.Transport;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sidecar's upstream transport: plain HTTP/1.1 on the sidecar's own event loops. A call or stream goes out on
 * the event loop that read the client's request, over a keep-alive connection pooled per loop and per backend, so
 * it costs no thread hand-off and no blocking thread — which is where the OkHttp hop spent its time (see
 * docs/BENCHMARKS.md). A stream is read only while the client can take more: reading stops ({@code autoRead} off)
 * instead of parking a thread. {@code https://} backends get TLS with hostname verification.
 */
public final class NettyUpstream implements BackendFactory {
    /** Idle keep-alive connections kept per event loop and backend; more are closed when returned. */
    static final int MAX_IDLE_PER_LOOP = 256;

    private final EventLoopGroup loops;
    /** The loops' transport, which the connections opened on them must share. */
    private final Transport transport;
    private final java.util.concurrent.atomic.LongAdder pauses = new java.util.concurrent.atomic.LongAdder();
    /** Per event loop, per backend: idle connections, touched only on that loop. */
    private final Map<EventExecutor, Map<String, ArrayDeque<Channel>>> idle = new ConcurrentHashMap<>();

    /** Names are resolved asynchronously (never blocking a loop), with the connect timeout bounding the whole. */
    private final io.netty.resolver.dns.DnsAddressResolverGroup resolver;

    /**
     * TLS to {@code https://} backends, with the JDK's trusted certificates unless told otherwise: set up on a thread
     * of its own when the sidecar is ready ({@link #prepareTls}) or at the first https call, whichever comes first —
     * never on the way to ready, where the JDK's TLS cost a quarter of a second of a one-core start. Null until
     * begun; a failed set-up is begun again by a call {@link #TLS_RETRY_NANOS} after it failed.
     */
    private java.util.concurrent.CompletableFuture<io.netty.handler.ssl.SslContext> tls;
    private long tlsFailedAt;
    private static final long TLS_RETRY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(NettyUpstream.class);
    /** Whether an https backend was made: only then does {@link #prepareTls} set TLS up. */
    private boolean httpsBackends;
    private final javax.net.ssl.TrustManagerFactory trust;

    public NettyUpstream(EventLoopGroup loops) {
        this(loops, null);
    }

    /**
     * @param trust the certificates to trust for {@code https://} backends (a bank's internal CA, say); null for
     *              the JDK's default trust store
     */
    public NettyUpstream(EventLoopGroup loops, javax.net.ssl.TrustManagerFactory trust) {
        this.loops = loops;
        this.transport = Transport.of(loops);
        this.trust = trust;
        this.resolver = new io.netty.resolver.dns.DnsAddressResolverGroup(
                new io.netty.resolver.dns.DnsNameResolverBuilder().datagramChannelType(
                        transport.datagramChannel()));
        for (EventExecutor e : loops) {
            idle.put(e, new HashMap<>());
        }
    }

    @Override
    public Backend create(BackendSpec spec, UpstreamHttp http) {
        URI base = URI.create(spec.baseUrl());
        String scheme = base.getScheme() == null ? "" : base.getScheme().toLowerCase(java.util.Locale.ROOT);
        return switch (scheme) {
            case "http" -> new NettyBackend(spec, base, false, http.watchdog(), http.clock(), this);
            case "https" -> {
                httpsBackend();
                yield new NettyBackend(spec, base, true, http.watchdog(), http.clock(), this);
            }
            default -> new OpenAiBackend(spec, http);
        };
    }

    /**
     * TLS for https backends, being set up or set up: the set-up begins here for the first caller, on a daemon thread
     * (an event loop never waits for it). A failure fails the https calls that come within ten seconds with its
     * cause (each fails over as from a connect failure); the next call after that begins the set-up again.
     */
    synchronized java.util.concurrent.CompletableFuture<io.netty.handler.ssl.SslContext> tls() {
        if (tls != null && !(tls.isCompletedExceptionally() && System.nanoTime() - tlsFailedAt > TLS_RETRY_NANOS)) {
            return tls;
        }
        java.util.concurrent.CompletableFuture<io.netty.handler.ssl.SslContext> made =
                new java.util.concurrent.CompletableFuture<>();
        made.whenComplete((context, error) -> {
            if (error != null) {
                synchronized (this) {
                    tlsFailedAt = System.nanoTime();
                }
                log.error("TLS for https backends could not be set up (calls to them fail over; tried again in 10 s)",
                        error);
            }
        });
        tls = made;
        try {
            Thread setUp = new Thread(() -> {
                try {
                    made.complete(io.netty.handler.ssl.SslContextBuilder.forClient().trustManager(trust).build());
                } catch (Throwable e) { // an Error too: a future left open would hold every https call
                    made.completeExceptionally(new javax.net.ssl.SSLException("cannot set up TLS for backends: "
                            + e.getMessage(), e));
                }
            }, "tls-setup");
            setUp.setDaemon(true);
            setUp.start();
        } catch (Throwable e) {
            made.completeExceptionally(new javax.net.ssl.SSLException("cannot set up TLS for backends: " + e, e));
        }
        return made;
    }

    /**
     * Begins setting up TLS now when the config has an https backend (the sidecar calls it once it is ready, so that
     * the first https call does not wait for it); what the set-up comes to, or null without an https backend.
     */
    public java.util.concurrent.CompletableFuture<io.netty.handler.ssl.SslContext> prepareTls() {
        boolean https;
        synchronized (this) {
            https = httpsBackends;
        }
        return https ? tls() : null;
    }

    /** Whether the set-up of TLS has begun (for tests). */
    synchronized boolean tlsBegun() {
        return tls != null;
    }

    /** An https backend is made: {@link #prepareTls} will set TLS up. */
    private synchronized void httpsBackend() {
        httpsBackends = true;
    }

    Transport transport() {
        return transport;
    }

    io.netty.resolver.AddressResolverGroup<java.net.InetSocketAddress> resolver() {
        return resolver;
    }

    /** The event loop running now, if it is one of ours (no hand-off), else the next one. */
    EventLoop loop() {
        for (EventExecutor e : loops) {
            if (e.inEventLoop()) {
                return (EventLoop) e;
            }
        }
        return (EventLoop) loops.next();
    }

    /** An idle connection to the backend on this loop, or null. Call on the loop. */
    Channel take(EventLoop loop, String backend) {
        ArrayDeque<Channel> q = idle.get(loop).get(backend);
        while (q != null && !q.isEmpty()) {
            Channel c = q.pollLast(); // the most recently used: least likely to have been closed by the server
            if (c.isActive()) {
                return c;
            }
        }
        return null;
    }

    /** Returns a connection after a complete exchange. Call on the loop. */
    void giveBack(EventLoop loop, String backend, Channel c) {
        ArrayDeque<Channel> q = idle.get(loop).computeIfAbsent(backend, b -> new ArrayDeque<>());
        if (q.size() >= MAX_IDLE_PER_LOOP / 2) {
            q.removeIf(ch -> !ch.isActive()); // closed by the server while idle: not worth a place
        }
        if (q.size() >= MAX_IDLE_PER_LOOP || !c.isActive()) {
            c.close();
        } else {
            q.addLast(c);
        }
    }

    /** A stream stopped reading its upstream because its client could not take more. */
    void paused() {
        pauses.increment();
    }

    /** How often streams stopped reading for a slow client, since start. */
    public long streamPauses() {
        return pauses.sum();
    }

    /** Idle connections to a backend, over all loops (for tests and the admin page). */
    int idleConnections(String backend) {
        int n = 0;
        for (Map.Entry<EventExecutor, Map<String, ArrayDeque<Channel>>> e : idle.entrySet()) {
            n += e.getKey().submit(() -> {
                ArrayDeque<Channel> q = e.getValue().get(backend);
                return q == null ? 0 : (int) q.stream().filter(Channel::isActive).count();
            }).syncUninterruptibly().getNow();
        }
        return n;
    }
}
