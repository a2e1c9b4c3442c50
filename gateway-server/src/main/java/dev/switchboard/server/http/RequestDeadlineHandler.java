package dev.switchboard.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A request must arrive whole within {@code server.request-deadline} of its first byte. A client that trickles its
 * headers or body (slowloris) gets 408 and is closed, instead of holding a connection slot for as long as it likes.
 * Sits in front of the HTTP decoder, so it sees the first byte; {@link PipelineSequencer} says when the request was
 * whole.
 */
final class RequestDeadlineHandler extends ChannelInboundHandlerAdapter {
    /** How often an overdue request behind an answer still being written is looked at again. */
    private static final long AFTER_ANSWER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private final long deadlineNanos;
    private ScheduledFuture<?> timer;

    private final dev.switchboard.server.telemetry.AccessLog accessLog;

    RequestDeadlineHandler(java.time.Duration deadline, dev.switchboard.server.telemetry.AccessLog accessLog) {
        this.deadlineNanos = deadline.toNanos();
        this.accessLog = accessLog;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b && b.isReadable()) {
            Connection c = Connection.of(ctx.channel());
            if (c != null && c.receivingSinceNanos() == 0) {
                c.receiving(System.nanoTime());
                arm(ctx, deadlineNanos);
            }
        }
        ctx.fireChannelRead(msg);
    }

    private void arm(ChannelHandlerContext ctx, long delayNanos) {
        if (timer == null || timer.isDone()) {
            timer = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void check(ChannelHandlerContext ctx) {
        timer = null; // this one has fired: whatever is armed below is a new one
        Connection c = Connection.of(ctx.channel());
        long since = c == null ? 0 : c.receivingSinceNanos();
        if (since == 0 || !ctx.channel().isActive()) {
            return; // the request arrived; the next one arms a timer of its own
        }
        long left = since + deadlineNanos - System.nanoTime();
        if (left > 0) {
            arm(ctx, left); // a later request than the one this timer was set for
            return;
        }
        if (Boolean.TRUE.equals(ctx.channel().attr(ClientIdleHandler.ANSWERING).get())) {
            // Overdue, but an earlier answer is still being written and a 408 cannot cut into it: look again soon,
            // and answer 408 as soon as that answer is out (the overdue request is still incomplete then).
            arm(ctx, Math.min(deadlineNanos, AFTER_ANSWER_NANOS));
            return;
        }
        DefaultFullHttpResponse timeout = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.REQUEST_TIMEOUT);
        String requestId = dev.switchboard.core.GatewayRequest.newRequestId();
        timeout.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(HttpHeaderNames.CONTENT_LENGTH, 0).set(HttpResponses.REQUEST_ID, requestId);
        // No request line may have arrived yet: the line names none.
        accessLog.answered(requestId, null, null, null, 408, "request_timeout", (System.nanoTime() - since) / 1_000_000);
        // From the tail, through the HTTP encoder behind this handler.
        ctx.channel().writeAndFlush(timeout).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        ctx.fireChannelInactive();
    }
}
