package dev.switchboard.testkit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A simulated OpenAI-compatible model server: real HTTP on a real port, for tests, benchmarks, the demo, and
 * users who want to try their routing rules without a GPU.
 *
 * <p>Serves {@code POST /v1/chat/completions} (JSON and SSE streaming), {@code GET /v1/models} and
 * {@code POST /v1/embeddings}. Every request is recorded ({@link #requests()}) so tests can prove what reached
 * the upstream; {@code GET /__received} shows the same record over HTTP, for people and scripts (see
 * docs/TESTKIT.md), and {@link MockModelOptions#logBodies()} prints one line per request. Knobs
 * ({@link MockModelOptions}) can be changed while it runs.
 */
public final class MockModelServer implements AutoCloseable {

    private final AtomicReference<MockModelOptions> options;
    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final MockModelBehaviour behaviour;
    private final io.netty.channel.group.ChannelGroup connections =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    private final java.util.concurrent.atomic.AtomicLong accepted = new java.util.concurrent.atomic.AtomicLong();

    /** TLS of this server, or null for plain HTTP. */
    private final io.netty.handler.ssl.SslContext tls;

    private MockModelServer(String host, int port, MockModelOptions initial, int threads,
            io.netty.handler.ssl.SslContext tls) {
        this.tls = tls;
        this.options = new AtomicReference<>(Objects.requireNonNull(initial, "options"));
        this.behaviour = new MockModelBehaviour(options);
        this.group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        try {
            this.serverChannel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            accepted.incrementAndGet();
                            if (tls != null) {
                                ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                            }
                            ch.pipeline()
                                    .addLast("codec", new HttpServerCodec())
                                    .addLast("keepAlive", new HttpServerKeepAliveHandler())
                                    .addLast("aggregator", new HttpObjectAggregator(64 * 1024 * 1024))
                                    .addLast("model", new MockModelHandler(behaviour));
                        }
                    })
                    .bind(new InetSocketAddress(host, port))
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    /** Starts a server on a free loopback port. */
    public static MockModelServer start(MockModelOptions options) {
        return start("127.0.0.1", 0, options);
    }

    /** Starts a server on the given address ({@code port} 0 picks a free one). */
    public static MockModelServer start(String host, int port, MockModelOptions options) {
        return new MockModelServer(host, port, options, Math.max(1, Runtime.getRuntime().availableProcessors()),
                null);
    }

    /**
     * Starts a server that speaks HTTPS on a free loopback port, with the given server context (a test makes one
     * from a self-signed certificate, see {@link TestCertificate}).
     */
    public static MockModelServer startTls(MockModelOptions options, io.netty.handler.ssl.SslContext tls) {
        return startTls("127.0.0.1", options, tls);
    }

    /** As {@link #startTls(MockModelOptions, io.netty.handler.ssl.SslContext)}, bound to {@code host}. */
    public static MockModelServer startTls(String host, MockModelOptions options,
            io.netty.handler.ssl.SslContext tls) {
        return new MockModelServer(host, 0, options, Math.max(1, Runtime.getRuntime().availableProcessors()),
                Objects.requireNonNull(tls, "tls"));
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The OpenAI base URL of this server, e.g. {@code http://127.0.0.1:41234/v1}. */
    public String baseUrl() {
        return (tls == null ? "http" : "https") + "://127.0.0.1:" + port() + "/v1";
    }

    public MockModelOptions options() {
        return options.get();
    }

    /** Swaps the knobs; requests that arrive afterwards see the new ones. */
    public void options(MockModelOptions newOptions) {
        options.set(Objects.requireNonNull(newOptions, "newOptions"));
    }

    /**
     * The requests received so far, oldest first: the newest {@link MockModelOptions#recordLimit()} of them.
     * Requests to {@code /__received} are not among them.
     */
    public List<RecordedRequest> requests() {
        return behaviour.received().all();
    }

    /** Requests received so far on the given path (e.g. {@code /v1/chat/completions}). */
    public List<RecordedRequest> requests(String path) {
        return requests().stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Forgets the requests received so far (their numbers are not reused). */
    public void clearRequests() {
        behaviour.received().clear();
    }

    /** Client connections accepted since start, open or closed: a client that reuses its connections opens few. */
    public long acceptedConnections() {
        return accepted.get();
    }

    /** Streams currently being written (started and not yet finished or cut). */
    public int openStreams() {
        return behaviour.openStreams();
    }

    /** Completion and embeddings calls being served now (streams included). */
    public int inFlight() {
        return behaviour.inFlight();
    }

    /** The most calls served at once since start (or {@link #resetPeak}). */
    public int peakInFlight() {
        return behaviour.peakInFlight();
    }

    /** Starts counting the peak again from the calls in flight now. */
    public void resetPeak() {
        behaviour.resetPeak();
    }

    /** Stops the server; open connections are cut. Calling it again does nothing. */
    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        // Like a killed process: every open connection is closed now, none is left unanswered.
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
