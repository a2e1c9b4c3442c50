package dev.switchboard.server.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * HTTP/1.1 pipelining, in order: a request that arrives while the one before it on the connection is still being
 * answered waits here, and goes on when that answer's last byte is written. Answers therefore leave in the order the
 * requests came (a quick {@code GET /v1/models} cannot overtake a chat completion), and one connection has one
 * request in the gateway at a time. While requests wait, the connection stops reading.
 */
final class PipelineSequencer extends ChannelDuplexHandler {
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean answering;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        Connection c = Connection.of(ctx.channel());
        if (c != null) {
            c.received();
        }
        if (answering) {
            waiting.add(request);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        answering = true;
        ctx.fireChannelRead(request);
    }

    /** Whether no request of the connection is being answered or waiting here. */
    boolean idle() {
        return !answering && waiting.isEmpty();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        boolean last = msg instanceof LastHttpContent; // a FullHttpResponse is one too
        ctx.write(msg, promise);
        if (last && answering) {
            answering = false;
            if (!waiting.isEmpty()) {
                // Not from inside this write: the next request starts once the current call stack is done.
                ctx.executor().execute(() -> next(ctx));
            }
        }
    }

    private void next(ChannelHandlerContext ctx) {
        if (answering || !ctx.channel().isActive()) {
            return;
        }
        FullHttpRequest request = waiting.poll();
        if (request == null) {
            return;
        }
        answering = true;
        if (waiting.isEmpty()) {
            // Nothing more waits: read on (what arrives while this one is answered waits here again).
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
        ctx.fireChannelRead(request);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) {
            ReferenceCountUtil.release(r);
        }
    }
}
