package dev.switchboard.server.http;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayRequest;
import io.netty.channel.ChannelFutureListener;
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
        // The rest of the body may still be arriving: close rather than try to resynchronise the connection.
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
