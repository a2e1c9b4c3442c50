package dev.switchboard.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client connection that has sent nothing for the read timeout — but only while it owes us a request. A
 * client waiting for a long streamed answer sends nothing either, and must not be cut for it.
 */
final class ClientIdleHandler extends IdleStateHandler {
    /** Set while a request on this connection is being answered. */
    static final AttributeKey<Boolean> ANSWERING = AttributeKey.valueOf("switchboard.answering");

    ClientIdleHandler(long readTimeoutMillis) {
        super(readTimeoutMillis, 0, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (!Boolean.TRUE.equals(ctx.channel().attr(ANSWERING).get())) {
            ctx.close();
        }
    }
}
