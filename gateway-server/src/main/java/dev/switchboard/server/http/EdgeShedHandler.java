package dev.switchboard.server.http;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.config.OverloadSpec;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.function.Supplier;

/**
 * Sheds a model call at its headers, before its body is read, while the connection's event loop runs later than
 * {@code resilience.overload.max-queue-delay}: a shed then costs a header parse and a short answer instead of a
 * body's aggregation and decoding and the chain, so the loop catches up and what it refuses is refused quickly.
 * The body that follows is read and dropped, and the connection stays open for the client's next request.
 *
 * <p>Only between requests: when an earlier request on the connection is still being answered, the call goes on to
 * the gateway (whose own limit may shed it), so pipelined answers keep their order. One per channel.
 */
final class EdgeShedHandler extends ChannelInboundHandlerAdapter {
    private final Supplier<Gateway> gateway;
    private final Readiness readiness;
    private final ApiHandler api;
    private final LoopDelay.PerLoop delays;
    /** Set from a shed request's headers until its body's end has been read and dropped. */
    private boolean dropping;

    EdgeShedHandler(Supplier<Gateway> gateway, Readiness readiness, ApiHandler api, LoopDelay.PerLoop delays) {
        this.delays = delays;
        this.api = api;
        this.gateway = gateway;
        this.readiness = readiness;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (dropping) {
            if (msg instanceof HttpContent content) {
                boolean last = msg instanceof LastHttpContent;
                boolean broken = content.decoderResult().isFailure();
                ReferenceCountUtil.release(msg);
                if (broken) {
                    // A body the codec could not read (a bad chunk): it reads nothing more on this connection.
                    ctx.close();
                } else if (last) {
                    bodyDropped(ctx);
                }
                return;
            }
            dropping = false; // a new message: the codec never sends one before the last content, but do not drop it
        }
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess() && modelCall(request)) {
            Gateway g = gateway.get();
            OverloadSpec overload = g.spec().overload();
            long limit = overload.maxQueueDelay().toNanos();
            if (overload.mode() == OverloadSpec.Mode.OFF || limit <= 0) {
                ctx.fireChannelRead(msg); // no edge: no probes either (they wake the loop a thousand times a second)
                return;
            }
            LoopDelay delay = delays.of(ctx.channel().eventLoop());
            delay.requestArrived();
            ClientAuth.Caller who;
            // Only a kept-alive request that sends its body at once: closing after a 503 with the body unread would
            // make the kernel reset the connection (and perhaps the 503 with it), and a client waiting for
            // "100 Continue" would never send the body this drops. Those are left to the gateway's own limit.
            if (delay.lateBy(limit) && idle(ctx) && !readiness.refusing() && HttpUtil.isKeepAlive(request)
                    && !HttpUtil.is100ContinueExpected(request)
                    && (who = api.caller(request.headers())).admitted()) {
                // A caller the sidecar would refuse anyway (no key, a wrong one) is answered by the API handler.
                shed(ctx, request, g, who.tenant(), delay.delayNanos());
                if (msg instanceof LastHttpContent) {
                    ReferenceCountUtil.release(msg);
                    bodyDropped(ctx);
                } else {
                    ReferenceCountUtil.release(msg);
                    dropping = true;
                }
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private static boolean modelCall(HttpRequest request) {
        if (!HttpMethod.POST.equals(request.method())) {
            return false;
        }
        String uri = request.uri();
        int q = uri.indexOf('?');
        return ApiHandler.modelCall(q < 0 ? uri : uri.substring(0, q));
    }

    /** No earlier request of this connection is waiting or being answered. */
    private static boolean idle(ChannelHandlerContext ctx) {
        PipelineSequencer sequencer = ctx.pipeline().get(PipelineSequencer.class);
        return sequencer == null || sequencer.idle();
    }

    private void shed(ChannelHandlerContext ctx, HttpRequest request, Gateway g, String tenant, long lateNanos) {
        String requestId = HttpResponses.requestId(request.headers(), g::recordable);
        GatewayException refusal = new GatewayException(ErrorKind.OVERLOADED, "the gateway is overloaded (its event "
                + "loop runs " + (lateNanos / 100_000) / 10.0 + " ms late); retry shortly");
        Connection c = Connection.of(ctx.channel());
        long since = c == null ? 0 : c.receivingSinceNanos();
        long millis = since == 0 ? 0 : (System.nanoTime() - since) / 1_000_000;
        g.recordEdgeShed(requestId, tenant, refusal, millis);
        FullHttpResponse response = HttpResponses.error(refusal, requestId);
        HttpUtil.setKeepAlive(response, true); // only kept-alive requests are shed here
        ctx.writeAndFlush(response);
    }

    private void bodyDropped(ChannelHandlerContext ctx) {
        dropping = false;
        Connection c = Connection.of(ctx.channel());
        if (c != null) {
            c.received();
        }
    }
}
