package dev.switchboard.server.http;

import dev.switchboard.core.ErrorKind;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.TimeUnit;

/**
 * Aggregates request bodies up to a limit; beyond it answers 413 in the OpenAI error shape, drains the rest of the
 * body and closes.
 */
final class JsonObjectAggregator extends HttpObjectAggregator {
    /** How long a client that stops sending an oversized body keeps its connection after the 413. */
    static final long DRAIN_LIMIT_SECONDS = 10;

    private final java.util.function.UnaryOperator<String> recordable;
    private final int maxContentLength;
    /** Set while an oversized request is being answered and drained. */
    private boolean refusing;
    private boolean answered;
    private boolean drained;

    private final dev.switchboard.server.telemetry.AccessLog accessLog;

    /** @param recordable what of a client's request id its answer and log line may carry (the gateway's rule) */
    JsonObjectAggregator(int maxContentLength, dev.switchboard.server.telemetry.AccessLog accessLog,
            java.util.function.UnaryOperator<String> recordable) {
        super(maxContentLength);
        this.maxContentLength = maxContentLength;
        this.accessLog = accessLog;
        this.recordable = recordable;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest request) || !ctx.channel().isActive()) {
            ctx.close();
            return;
        }
        String requestId = HttpResponses.requestId(request.headers(), recordable);
        FullHttpResponse response = HttpResponses.error(ErrorKind.PAYLOAD_TOO_LARGE,
                "request body exceeds " + maxContentLength + " bytes", requestId);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        String uri = request.uri();
        int q = uri.indexOf('?');
        Connection c = Connection.of(ctx.channel());
        long since = c == null ? 0 : c.receivingSinceNanos();
        accessLog.answered(requestId, request.method().name(), q < 0 ? uri : uri.substring(0, q), null, 413,
                ErrorKind.PAYLOAD_TOO_LARGE.code(), since == 0 ? 0 : (System.nanoTime() - since) / 1_000_000);
        // The rest of the body is still arriving, so the connection cannot be reused; but closing while any of it
        // is unread makes the kernel answer with a reset, and a reset can destroy the 413 in the client's buffer
        // before the client reads it. So the response is written past the keep-alive handler (which would close
        // as soon as it is written), the body is read and dropped (the aggregator discards an oversized message's
        // content), and the connection closes once the body's end has arrived, the client has closed, or the
        // drain limit has passed. The response carries its length, so the client needs no early end of stream.
        refusing = true;
        answered = false;
        drained = false;
        ChannelHandlerContext writer = ctx.pipeline().context(HttpServerKeepAliveHandler.class);
        (writer != null ? writer : ctx).writeAndFlush(response).addListener(f -> {
            if (!f.isSuccess() || !ctx.channel().isActive()) {
                ctx.close();
                return;
            }
            answered = true;
            closeOnceDone(ctx);
            ctx.executor().schedule(() -> ctx.close(), DRAIN_LIMIT_SECONDS, TimeUnit.SECONDS);
        });
    }

    private void closeOnceDone(ChannelHandlerContext ctx) {
        if (answered && drained) { // both are set only while refusing
            ctx.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        boolean bodyEnds = msg instanceof LastHttpContent;
        super.channelRead(ctx, msg);
        if (bodyEnds && refusing) {
            drained = true;
            closeOnceDone(ctx);
        }
    }
}
