package dev.switchboard.server.upstream;

import dev.switchboard.core.Operation;
import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.OpenAiBackend;
import dev.switchboard.core.backend.StreamSink;
import dev.switchboard.core.backend.UpstreamFailure;
import dev.switchboard.core.backend.UpstreamReply;
import dev.switchboard.core.backend.UpstreamStream;
import dev.switchboard.core.config.BackendSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One backend over {@link NettyUpstream}: non-streamed calls on the caller's event loop; streams through OkHttp.
 * Failures are classified as the OkHttp backend classifies them, so retries, breakers and errors behave alike.
 */
final class NettyBackend implements Backend {
    private static final AttributeKey<Exchange> EXCHANGE = AttributeKey.valueOf("switchboard.exchange");
    /** Largest non-streamed answer read (an embeddings batch can be large); a larger one fails the call. */
    private static final int MAX_ANSWER_BYTES = 64 << 20;
    private static final int MAX_ERROR_BODY = 8 * 1024;
    private static final long IDLE_CONNECTION_SECONDS = 60;

    private final BackendSpec spec;
    private final OpenAiBackend streams;
    private final NettyUpstream upstream;
    private final String host;
    private final int port;
    private final String hostHeader;
    private final String basePath;

    NettyBackend(BackendSpec spec, URI base, OpenAiBackend streams, NettyUpstream upstream) {
        this.spec = spec;
        this.streams = streams;
        this.upstream = upstream;
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : 80;
        this.hostHeader = base.getPort() > 0 ? host + ":" + port : host;
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    @Override
    public BackendSpec spec() {
        return spec;
    }

    @Override
    public UpstreamStream stream(byte[] body, boolean forwardUsageChunk, StreamSink sink) {
        return streams.stream(body, forwardUsageChunk, sink);
    }

    @Override
    public CompletableFuture<UpstreamReply> send(Operation operation, byte[] body) {
        CompletableFuture<UpstreamReply> result = new CompletableFuture<>();
        EventLoop loop = upstream.loop();
        Exchange x = new Exchange(loop, basePath + operation.path(), body, result);
        if (loop.inEventLoop()) {
            x.start();
        } else {
            loop.execute(x::start);
        }
        // Cancelling the future (client gone) closes the upstream connection.
        result.whenComplete((r, t) -> {
            if (result.isCancelled()) {
                loop.execute(x::cancel);
            }
        });
        return result;
    }

    private UpstreamFailure failure(UpstreamFailure.Kind kind, String message, Throwable cause) {
        return new UpstreamFailure(kind, spec.name(), message, 0, null, null, cause);
    }

    /** One request and its answer; every method runs on {@link #loop}. */
    private final class Exchange {
        private final EventLoop loop;
        private final String path;
        private final byte[] body;
        private final CompletableFuture<UpstreamReply> result;
        private Channel channel;
        private ScheduledFuture<?> deadline;
        private boolean reused;
        private boolean retried;
        private boolean done;

        Exchange(EventLoop loop, String path, byte[] body, CompletableFuture<UpstreamReply> result) {
            this.loop = loop;
            this.path = path;
            this.body = body;
            this.result = result;
        }

        void start() {
            if (result.isDone()) {
                return;
            }
            long total = spec.limits().totalTimeout().toMillis();
            deadline = loop.schedule(() -> fail(failure(UpstreamFailure.Kind.TOTAL_TIMEOUT, "backend '" + spec.name()
                    + "' did not answer within its total time of " + total + " ms", null)), total,
                    TimeUnit.MILLISECONDS);
            Channel idle = upstream.take(loop, spec.name());
            if (idle != null) {
                reused = true;
                send(idle);
            } else {
                connect();
            }
        }

        private void connect() {
            reused = false;
            ChannelFuture f = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) spec.limits().connectTimeout().toMillis())
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_CONNECTION_SECONDS,
                                    TimeUnit.SECONDS), new HttpClientCodec(),
                                    new HttpObjectAggregator(MAX_ANSWER_BYTES), new AnswerHandler());
                        }
                    }).connect(host, port);
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    Throwable e = done.cause();
                    fail(e instanceof ConnectTimeoutException
                            ? failure(UpstreamFailure.Kind.CONNECT, "cannot connect to backend '" + spec.name()
                                    + "' within " + spec.limits().connectTimeout().toMillis() + " ms", e)
                            : failure(UpstreamFailure.Kind.CONNECT, "cannot connect to backend '" + spec.name()
                                    + "': " + describe(e), e));
                } else if (this.done) {
                    f.channel().close(); // cancelled or timed out while connecting
                } else {
                    send(f.channel());
                }
            });
        }

        private void send(Channel c) {
            channel = c;
            c.attr(EXCHANGE).set(this);
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                    Unpooled.wrappedBuffer(body));
            request.headers().set(HttpHeaderNames.HOST, hostHeader)
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .set(HttpHeaderNames.ACCEPT, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            if (spec.apiKey().isPresent()) {
                request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + spec.apiKey().reveal());
            }
            c.writeAndFlush(request).addListener(w -> {
                if (!w.isSuccess()) {
                    c.close(); // AnswerHandler.channelInactive decides: a fresh connection, or a failure
                }
            });
        }

        /** The connection closed before the answer was complete. */
        void closed(Throwable cause) {
            if (done) {
                return;
            }
            if (reused && !retried) {
                // A pooled connection the server had closed meanwhile: the request never reached it. Once more,
                // on a new connection (as OkHttp does).
                retried = true;
                channel = null;
                connect();
                return;
            }
            fail(failure(UpstreamFailure.Kind.IO, "I/O error talking to backend '" + spec.name() + "': "
                    + (cause == null ? "connection closed before the answer" : describe(cause)), cause));
        }

        void answered(Channel c, FullHttpResponse response) {
            if (done) {
                c.close();
                return;
            }
            done = true;
            deadline.cancel(false);
            int status = response.status().code();
            boolean keepAlive = HttpUtil.isKeepAlive(response);
            if (status / 100 == 2) {
                byte[] bytes = ByteBufUtil.getBytes(response.content());
                String type = response.headers().get(HttpHeaderNames.CONTENT_TYPE, "application/json");
                result.complete(new UpstreamReply(status, bytes, type));
            } else {
                int n = Math.min(MAX_ERROR_BODY, response.content().readableBytes());
                String text = response.content().toString(response.content().readerIndex(), n,
                        StandardCharsets.UTF_8);
                result.completeExceptionally(new UpstreamFailure(UpstreamFailure.Kind.STATUS, spec.name(),
                        "backend '" + spec.name() + "' answered HTTP " + status, status, text,
                        OpenAiBackend.retryAfter(response.headers().get(HttpHeaderNames.RETRY_AFTER)), null));
            }
            c.attr(EXCHANGE).set(null);
            if (keepAlive) {
                upstream.giveBack(loop, spec.name(), c);
            } else {
                c.close();
            }
        }

        void cancel() {
            if (!done) {
                done = true;
                if (deadline != null) {
                    deadline.cancel(false);
                }
                if (channel != null) {
                    channel.attr(EXCHANGE).set(null);
                    channel.close();
                }
            }
        }

        private void fail(UpstreamFailure failure) {
            if (done) {
                return;
            }
            done = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (channel != null) {
                channel.attr(EXCHANGE).set(null);
                channel.close();
            }
            result.completeExceptionally(failure);
        }
    }

    /** Hands the answer (or the loss of the connection) to the exchange in flight on it. */
    private static final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private Throwable error;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            Exchange x = ctx.channel().attr(EXCHANGE).get();
            if (x == null) {
                ctx.close(); // an answer nobody asked for
                return;
            }
            x.answered(ctx.channel(), response);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Exchange x = ctx.channel().attr(EXCHANGE).getAndSet(null);
            if (x != null) {
                x.closed(error);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            error = cause;
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent && ctx.channel().attr(EXCHANGE).get() == null) {
                ctx.close(); // an idle pooled connection
            }
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
