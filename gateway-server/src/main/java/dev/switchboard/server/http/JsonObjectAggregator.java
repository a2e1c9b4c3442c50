package dev.switchboard.server.http;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayRequest;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;

/** Aggregates request bodies up to a limit; beyond it answers 413 in the OpenAI error shape and closes. */
final class JsonObjectAggregator extends HttpObjectAggregator {
    private final int maxContentLength;

    JsonObjectAggregator(int maxContentLength) {
        super(maxContentLength);
        this.maxContentLength = maxContentLength;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest request)) {
            ctx.close();
            return;
        }
        String given = request.headers().get(HttpResponses.REQUEST_ID);
        String requestId = given != null && given.length() <= 128 ? given : GatewayRequest.newRequestId();
        FullHttpResponse response = HttpResponses.error(ErrorKind.PAYLOAD_TOO_LARGE,
                "request body exceeds " + maxContentLength + " bytes", requestId);
        // The rest of the body may still be arriving: the connection cannot be reused. Closing at once would make
        // the kernel answer the unread body with a reset that can destroy the 413 before the client reads it, so
        // end our side only, keep discarding what arrives, and close a moment later.
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(f -> {
            if (ctx.channel() instanceof io.netty.channel.socket.SocketChannel socket && socket.isActive()) {
                socket.shutdownOutput();
                ctx.executor().schedule(() -> ctx.close(), 1, java.util.concurrent.TimeUnit.SECONDS);
            } else {
                ctx.close();
            }
        });
    }
}
