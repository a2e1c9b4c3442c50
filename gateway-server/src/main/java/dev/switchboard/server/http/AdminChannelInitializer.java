package dev.switchboard.server.http;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.config.ServerSpec;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import java.util.function.Supplier;

/** The admin port's pipeline: the same limits as the API port, then the admin endpoints. */
final class AdminChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final ServerSpec server;
    private final AdminHandler admin;

    AdminChannelInitializer(ServerSpec server, Supplier<Gateway> gateway,
            dev.switchboard.server.console.ConsoleData console) {
        this.server = server;
        this.admin = new AdminHandler(gateway, new AdminGate(server.adminKeySha256()), console);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        ch.pipeline()
                .addLast("clientIdle", new ClientIdleHandler(server.readTimeout().toMillis()))
                .addLast("codec", new HttpServerCodec(GatewayChannelInitializer.MAX_INITIAL_LINE,
                        GatewayChannelInitializer.MAX_HEADER_SIZE, 8192))
                .addLast("keepAlive", new HttpServerKeepAliveHandler())
                .addLast("aggregator", new JsonObjectAggregator((int) Math.min(Integer.MAX_VALUE, server.maxBodyBytes()),
                        dev.switchboard.server.telemetry.AccessLog.OFF, java.util.function.UnaryOperator.identity()))
                .addLast("admin", admin);
    }
}
