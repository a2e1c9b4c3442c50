package dev.switchboard.server.http;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.config.ServerSpec;
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

    private final io.netty.channel.group.ChannelGroup connections;

    GatewayChannelInitializer(ServerSpec server, Supplier<Gateway> gateway,
            io.netty.channel.group.ChannelGroup connections, java.util.concurrent.atomic.AtomicBoolean draining) {
        this.server = server;
        this.connections = connections;
        this.api = new ApiHandler(gateway, draining);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (connections.size() >= server.maxConnections()) {
            ch.close(); // over the limit: refuse at once rather than queue work the sidecar cannot take
            return;
        }
        connections.add(ch);
        ch.pipeline()
                .addLast("clientIdle", new ClientIdleHandler(server.readTimeout().toMillis()))
                .addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192))
                .addLast("keepAlive", new HttpServerKeepAliveHandler())
                .addLast("aggregator", new JsonObjectAggregator((int) Math.min(Integer.MAX_VALUE, server.maxBodyBytes())))
                .addLast("api", api);
    }
}
