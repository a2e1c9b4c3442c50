package dev.switchboard.server.http;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.config.ServerSpec;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The sidecar: the OpenAI-compatible API on Netty, in front of a {@link Gateway}. */
public final class SwitchboardServer implements AutoCloseable {
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel channel;
    private final Channel adminChannel;
    private final Readiness readiness = new Readiness();
    /** On SIGTERM, how long to keep serving while {@code /readyz} says draining. */
    private final java.time.Duration drainDelay;
    private final io.netty.channel.group.ChannelGroup connections =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

    /** What the admin console shows beyond the live endpoints. */
    private final dev.switchboard.server.console.ConsoleData console;

    private SwitchboardServer(ServerSpec spec, Supplier<Gateway> gateway, EventLoopGroup workers,
            io.opentelemetry.api.OpenTelemetry openTelemetry, dev.switchboard.server.telemetry.AccessLog accessLog,
            dev.switchboard.server.console.ConsoleData console) {
        this.console = console;
        this.drainDelay = spec.drainDelay();
        Transport transport = Transport.of(workers);
        this.boss = transport.newGroup(1);
        this.workers = workers;
        try {
            this.channel = bind(new ServerBootstrap()
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // A stream parks its upstream reader while more than 256 KiB waits for a slow client.
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                    .childHandler(new GatewayChannelInitializer(spec, gateway, connections, readiness,
                            openTelemetry, accessLog)),
                    spec.listen().host(), spec.listen().port(), "server.listen");
            this.adminChannel = bind(new ServerBootstrap()
                    .group(boss, workers)
                    .channel(transport.serverChannel())
                    .childHandler(new AdminChannelInitializer(spec, gateway, console)),
                    spec.admin().host(), spec.admin().port(), "server.admin");
        } catch (RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
        // Embedded servers say it in the host's log; `serve` on standard error (its jar has no logging backend).
        BufferCleaning.ofThisJvm().warning().ifPresent(
                w -> org.slf4j.LoggerFactory.getLogger(SwitchboardServer.class).warn(w));
        // The console's sparklines: every backend's figures, sampled on a loop (reading them never blocks).
        workers.next().scheduleAtFixedRate(() -> {
            try {
                console.sample(gateway.get().backends());
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(SwitchboardServer.class).warn("console sample failed", e);
            }
        }, 0, dev.switchboard.server.console.ConsoleData.SAMPLE_SECONDS, TimeUnit.SECONDS);
    }

    /** What the admin console shows: pass its {@code listener()} to the gateway's options to fill its decisions. */
    public dev.switchboard.server.console.ConsoleData console() {
        return console;
    }

    /** Binds, or says which address and which setting could not be listened on. */
    private static Channel bind(ServerBootstrap bootstrap, String host, int port, String setting) {
        try {
            return bootstrap.bind(new InetSocketAddress(host, port)).syncUninterruptibly().channel();
        } catch (Exception e) { // Netty rethrows the bind's IOException unchecked
            throw new ListenException(host + ":" + port, setting, e);
        }
    }

    /** Binds the API port of {@code spec} and serves the given gateway. */
    public static SwitchboardServer start(ServerSpec spec, Gateway gateway) {
        Objects.requireNonNull(gateway, "gateway");
        return new SwitchboardServer(spec, () -> gateway, newWorkers(), io.opentelemetry.api.OpenTelemetry.noop(),
                dev.switchboard.server.telemetry.AccessLog.OFF, newConsole());
    }

    /** Serves whichever gateway the supplier returns at the moment a request arrives (hot reload). */
    public static SwitchboardServer start(ServerSpec spec, Supplier<Gateway> gateway) {
        return new SwitchboardServer(spec, gateway, newWorkers(), io.opentelemetry.api.OpenTelemetry.noop(),
                dev.switchboard.server.telemetry.AccessLog.OFF, newConsole());
    }

    /**
     * Serves on the given worker loops, which the server then owns (and shuts down). Pass the loops the gateway's
     * {@link dev.switchboard.server.upstream.NettyUpstream} calls backends on, so a call goes out on the loop that
     * read its request.
     */
    public static SwitchboardServer start(ServerSpec spec, Supplier<Gateway> gateway, EventLoopGroup workers) {
        return start(spec, gateway, workers, io.opentelemetry.api.OpenTelemetry.noop());
    }

    /**
     * As {@link #start(ServerSpec, Supplier, EventLoopGroup)}, with a server span per model call on
     * {@code openTelemetry} (the instance the gateway traces on; see {@code Telemetry}).
     */
    public static SwitchboardServer start(ServerSpec spec, Supplier<Gateway> gateway, EventLoopGroup workers,
            io.opentelemetry.api.OpenTelemetry openTelemetry) {
        return start(spec, gateway, workers, openTelemetry, dev.switchboard.server.telemetry.AccessLog.OFF);
    }

    /**
     * As {@link #start(ServerSpec, Supplier, EventLoopGroup, io.opentelemetry.api.OpenTelemetry)}, writing a line to
     * {@code accessLog} for every request the sidecar answers itself (a bad key, an unreadable body, an unknown path,
     * a body too large, a request too slow); the gateway's own requests reach it as the gateway's call listener
     * ({@code GatewayOptions.withCallListener(accessLog::call)}).
     */
    public static SwitchboardServer start(ServerSpec spec, Supplier<Gateway> gateway, EventLoopGroup workers,
            io.opentelemetry.api.OpenTelemetry openTelemetry, dev.switchboard.server.telemetry.AccessLog accessLog) {
        return start(spec, gateway, workers, openTelemetry, accessLog, newConsole());
    }

    /**
     * As above, with the console's data: the gateway was built with {@code console.listener()} as its call listener
     * (with the access log's, if any), so the console lists its requests.
     */
    public static SwitchboardServer start(ServerSpec spec, Supplier<Gateway> gateway, EventLoopGroup workers,
            io.opentelemetry.api.OpenTelemetry openTelemetry, dev.switchboard.server.telemetry.AccessLog accessLog,
            dev.switchboard.server.console.ConsoleData console) {
        return new SwitchboardServer(spec, gateway, workers, openTelemetry, accessLog, console);
    }

    /** The console's data with the default size: the last 500 requests. */
    public static dev.switchboard.server.console.ConsoleData newConsole() {
        return new dev.switchboard.server.console.ConsoleData(java.time.Clock.systemUTC(), 500);
    }

    /** Worker loops for {@link #start(ServerSpec, Supplier, EventLoopGroup)}, on the {@link Transport#preferred()} one. */
    public static EventLoopGroup newWorkers() {
        return Transport.preferred().newGroup(0);
    }

    /** The transport this server's sockets use. */
    public Transport transport() {
        return Transport.of(workers);
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** {@code http://127.0.0.1:PORT/v1}, the base URL to give OpenAI clients. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** What {@code /readyz} answers. */
    public Readiness readiness() {
        return readiness;
    }

    /** Tells {@code /readyz} the server is ready for new requests: call once start-up has finished. */
    public void ready() {
        readiness.advance(Readiness.State.READY);
    }

    /**
     * Says "draining" on {@code /readyz} and keeps serving for {@code server.drain-delay} (so a load balancer stops
     * sending new requests before they would be refused), then stops accepting connections and waits until no request
     * is being answered, or the grace period (which the delay is part of) ends.
     *
     * @return requests still being answered at the deadline
     */
    public int drain(java.time.Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        readiness.advance(Readiness.State.DRAINING);
        long delay = Math.min(drainDelay.toNanos(), grace.toNanos());
        if (delay > 0) {
            try {
                java.util.concurrent.TimeUnit.NANOSECONDS.sleep(delay); // shutdown only, on its own thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        readiness.advance(Readiness.State.CLOSED);
        channel.close().syncUninterruptibly();
        while (true) {
            int busy = 0;
            for (Channel c : connections) {
                if (Boolean.TRUE.equals(c.attr(ClientIdleHandler.ANSWERING).get())) {
                    busy++;
                }
            }
            if (busy == 0 || System.nanoTime() >= deadline) {
                return busy;
            }
            try {
                Thread.sleep(50); // shutdown only: a poll is simpler than a completion signal per request
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return busy;
            }
        }
    }

    /** The admin port (loopback by default). */
    public int adminPort() {
        return ((InetSocketAddress) adminChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
        adminChannel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
