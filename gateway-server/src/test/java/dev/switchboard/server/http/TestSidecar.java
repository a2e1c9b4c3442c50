package dev.switchboard.server.http;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.upstream.NettyUpstream;
import io.netty.channel.EventLoopGroup;

/** The sidecar wired as {@code serve} wires it — calls go out over {@link NettyUpstream} on its own loops. */
record TestSidecar(Gateway gateway, SwitchboardServer server) {
    static TestSidecar start(GatewaySpec spec) {
        EventLoopGroup workers = SwitchboardServer.newWorkers();
        Gateway gateway = Gateway.create(spec, GatewayOptions.defaults().withBackends(new NettyUpstream(workers)));
        return new TestSidecar(gateway, SwitchboardServer.start(spec.server(), () -> gateway, workers));
    }
}
