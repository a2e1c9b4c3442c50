package dev.switchboard.server.http;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.config.ServerSpec;
import dev.switchboard.server.telemetry.AccessLog;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.util.function.Supplier;

/** The sidecar's pipeline, in the order a request travels through it. */
final class GatewayChannelInitializer extends ChannelInitializer<SocketChannel> {
    static final int MAX_INITIAL_LINE = 8 * 1024;
    static final int MAX_HEADER_SIZE = 16 * 1024;

    private final ServerSpec server;
    private final ApiHandler api;
    private final AccessLog accessLog;
    private final Supplier<Gateway> gateway;
    private final Readiness readiness;
    /** How late each event loop runs, for shedding at the edge (and its metric). */
    private final LoopDelay.PerLoop delays;

    private final io.netty.channel.group.ChannelGroup connections;

    GatewayChannelInitializer(ServerSpec server, Supplier<Gateway> gateway,
            io.netty.channel.group.ChannelGroup connections, Readiness readiness,
            io.opentelemetry.api.OpenTelemetry openTelemetry, AccessLog accessLog) {
        this.server = server;
        this.connections = connections;
        this.accessLog = accessLog;
        this.gateway = gateway;
        this.readiness = readiness;
        this.api = new ApiHandler(gateway, readiness, openTelemetry, accessLog);
        // The registry is the gateway's options', which a reload keeps.
        this.delays = new LoopDelay.PerLoop(loopDelayMetric(gateway.get().meters()));
    }

    /**
     * {@code switchboard_event_loop_delay_seconds}: how late the loops ran their probes, which is how long anything
     * that became ready on them waited — the queueing a client sees before the sidecar reads its request, which no
     * request's own timing includes. Buckets at the edge's usual limits and the tails worth telling apart.
     */
    private static java.util.function.LongConsumer loopDelayMetric(io.micrometer.core.instrument.MeterRegistry meters) {
        io.micrometer.core.instrument.Timer timer = io.micrometer.core.instrument.Timer
                .builder("switchboard.event_loop.delay")
                .description("How late the sidecar's event loops ran a 1 ms probe, while requests arrived and the "
                        + "overload edge was on: the wait of what became ready on them")
                .serviceLevelObjectives(java.util.stream.LongStream.of(250, 500, 1_000, 2_000, 5_000, 10_000,
                        20_000, 50_000, 100_000, 250_000, 1_000_000) // microseconds
                        .mapToObj(us -> java.time.Duration.of(us, java.time.temporal.ChronoUnit.MICROS))
                        .toArray(java.time.Duration[]::new))
                .register(meters);
        return nanos -> timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** Connections per client address, when {@code server.max-connections-per-client} is set. */
    private final java.util.concurrent.ConcurrentHashMap<java.net.InetAddress, Integer> perClient =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    protected void initChannel(SocketChannel ch) {
        if (!admitPerClient(ch)) {
            ch.close(); // one client address may not take the whole server
            return;
        }
        if (connections.size() >= server.maxConnections()) {
            // Full: a connection that holds a slot without a whole request (trickling one in, or silent) makes room;
            // when every slot is answering a request, the new one is refused at once rather than queued.
            io.netty.channel.Channel room = incompleteToClose();
            if (room == null) {
                ch.close();
                return;
            }
            room.close();
        }
        ch.attr(Connection.KEY).set(new Connection(System.nanoTime()));
        connections.add(ch);
        ch.pipeline()
                .addLast("clientIdle", new ClientIdleHandler(server.readTimeout().toMillis()))
                .addLast("deadline", new RequestDeadlineHandler(server.requestDeadline(), accessLog))
                .addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192))
                .addLast("keepAlive", new HttpServerKeepAliveHandler())
                .addLast("edgeShed", new EdgeShedHandler(gateway, readiness, api, delays))
                .addLast("aggregator", new JsonObjectAggregator((int) Math.min(Integer.MAX_VALUE, server.maxBodyBytes()),
                        accessLog, text -> gateway.get().recordable(text)))
                .addLast("sequencer", new PipelineSequencer())
                .addLast("api", api);
    }

    /** The connection to close to make room: the oldest one sending a request, else the oldest silent one. */
    private io.netty.channel.Channel incompleteToClose() {
        io.netty.channel.Channel sending = null;
        long sendingSince = Long.MAX_VALUE;
        io.netty.channel.Channel silent = null;
        long silentSince = Long.MAX_VALUE;
        for (io.netty.channel.Channel c : connections) {
            Connection state = Connection.of(c);
            if (state == null || !c.isActive() || !state.incomplete(c)) {
                continue;
            }
            long since = state.receivingSinceNanos();
            if (since != 0 && since < sendingSince) {
                sending = c;
                sendingSince = since;
            } else if (since == 0 && state.openedNanos < silentSince) {
                silent = c;
                silentSince = state.openedNanos;
            }
        }
        return sending != null ? sending : silent;
    }

    private boolean admitPerClient(SocketChannel ch) {
        int cap = server.maxConnectionsPerClient();
        if (cap <= 0 || ch.remoteAddress() == null) {
            return true;
        }
        java.net.InetAddress client = ch.remoteAddress().getAddress();
        boolean[] admitted = {false};
        perClient.compute(client, (k, n) -> {
            int count = n == null ? 0 : n;
            if (count >= cap) {
                return n;
            }
            admitted[0] = true;
            return count + 1;
        });
        if (admitted[0]) {
            ch.closeFuture().addListener(f -> perClient.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1));
        }
        return admitted[0];
    }
}
