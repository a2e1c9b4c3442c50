package dev.switchboard.server.upstream;

import dev.switchboard.core.Operation;
import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.OpenAiBackend;
import dev.switchboard.core.backend.SseRelay;
import dev.switchboard.core.backend.StreamSink;
import dev.switchboard.core.backend.StreamWatchdog;
import dev.switchboard.core.backend.UpstreamBody;
import dev.switchboard.core.backend.UpstreamFailure;
import dev.switchboard.core.backend.UpstreamReply;
import dev.switchboard.core.backend.UpstreamStream;
import dev.switchboard.core.config.BackendSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One backend over {@link NettyUpstream}: calls and streams on the caller's event loop, over keep-alive
 * connections pooled per loop. Failures are classified as the OkHttp backend classifies them, and streams are
 * guarded by the same watchdog, so retries, breakers and errors behave alike. A stream reads only while the
 * client can take more ({@link StreamSink#ready}): no thread is ever parked.
 */
final class NettyBackend implements Backend {
    private static final AttributeKey<Receiver> EXCHANGE = AttributeKey.valueOf("switchboard.exchange");
    /** Whether a byte of an answer has arrived since the connection's current request was sent. */
    private static final AttributeKey<Boolean> HEARD = AttributeKey.valueOf("switchboard.heard");
    /** Marks {@link #HEARD}, below the HTTP codec, so a partial answer counts too. */
    private static final io.netty.channel.ChannelHandler HEARING = new HearingHandler();
    /** Largest non-streamed answer read (an embeddings batch can be large); a larger one fails the call. */
    private static final int MAX_ANSWER_BYTES = 64 << 20;
    private static final int MAX_ERROR_BODY = 8 * 1024;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    /** How long the end of a stream's body may lag behind its [DONE] before the connection is closed instead. */
    private static final long BODY_END_GRACE_SECONDS = 5;
    private static final long IDLE_CONNECTION_SECONDS = 60;

    private final BackendSpec spec;
    private final StreamWatchdog watchdog;
    private final java.time.Clock clock;
    /** Pools are per address and pipeline kind, not per backend name: a reload may point a name elsewhere. */
    private final String callPool;
    private final String streamPool;
    private final NettyUpstream upstream;
    private final String host;
    private final int port;
    private final String hostHeader;
    private final String basePath;

    /** Whether the backend is {@code https://}: its TLS is the upstream's ({@link NettyUpstream#tls}). */
    private final boolean tls;

    NettyBackend(BackendSpec spec, URI base,
            boolean tls, StreamWatchdog watchdog,
            java.time.Clock clock, NettyUpstream upstream) {
        this.spec = spec;
        this.clock = clock;
        this.tls = tls;
        this.watchdog = watchdog;
        this.upstream = upstream;
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : tls ? 443 : 80;
        String origin = (tls ? "https://" : "http://") + host + ":" + port;
        this.callPool = origin + " calls";
        this.streamPool = origin + " streams";
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
        return stream(body, forwardUsageChunk, sink, Map.of());
    }

    @Override
    public UpstreamStream stream(byte[] body, boolean forwardUsageChunk, StreamSink sink,
            Map<String, String> headers) {
        return stream(UpstreamBody.of(body), forwardUsageChunk, sink, headers);
    }

    @Override
    public UpstreamStream stream(UpstreamBody body, boolean forwardUsageChunk, StreamSink sink,
            Map<String, String> headers) {
        EventLoop loop = upstream.loop();
        StreamExchange x = new StreamExchange(loop, basePath + Operation.CHAT.path(), body, headers,
                forwardUsageChunk, sink);
        if (loop.inEventLoop()) {
            x.start();
        } else {
            loop.execute(x::start);
        }
        return x::cancel;
    }

    /** Connects a new connection to the backend on {@code loop}; streams get no aggregator. */
    private ChannelFuture connect(EventLoop loop, boolean streaming, io.netty.handler.ssl.SslContext context) {
        return new Bootstrap().group(loop).channel(upstream.transport().socketChannel())
                .resolver(upstream.resolver())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) spec.limits().connectTimeout().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (context != null) {
                            io.netty.handler.ssl.SslHandler handler = context.newHandler(ch.alloc(), host, port);
                            javax.net.ssl.SSLParameters params = handler.engine().getSSLParameters();
                            params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name the host
                            handler.engine().setSSLParameters(params);
                            ch.pipeline().addLast(handler);
                        }
                        ch.pipeline().addLast(HEARING,
                                new IdleStateHandler(0, 0, IDLE_CONNECTION_SECONDS, TimeUnit.SECONDS),
                                new HttpClientCodec(4096, MAX_HEADER_BYTES, 8192));
                        if (!streaming) {
                            ch.pipeline().addLast(new HttpObjectAggregator(MAX_ANSWER_BYTES));
                        }
                        ch.pipeline().addLast(new Dispatcher());
                    }
                }).connect(host, port);
    }

    private UpstreamFailure connectFailure(Throwable e) {
        return e instanceof ConnectTimeoutException
                ? failure(UpstreamFailure.Kind.CONNECT, "cannot connect to backend '" + spec.name() + "' within "
                        + spec.limits().connectTimeout().toMillis() + " ms", e)
                : failure(UpstreamFailure.Kind.CONNECT, "cannot connect to backend '" + spec.name() + "': "
                        + describe(e), e);
    }

    private FullHttpRequest request(io.netty.buffer.ByteBufAllocator alloc, String path, UpstreamBody body,
            Map<String, String> headers, boolean stream) {
        // The headers first: a value Netty refuses throws before the pooled body buffer exists.
        io.netty.handler.codec.http.HttpHeaders h = new io.netty.handler.codec.http.DefaultHttpHeaders()
                .set(HttpHeaderNames.HOST, hostHeader)
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.ACCEPT, stream ? "text/event-stream" : "application/json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length());
        if (spec.apiKey().isPresent()) {
            h.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + spec.apiKey().reveal());
        }
        headers.forEach(h::set);
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, content(alloc, body), h,
                io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
    }

    /**
     * The body written from its pieces where they lie — the client's bytes around the new model — straight into a
     * buffer of the connection's allocator: the one copy the socket needs (a heap body is copied into a direct
     * buffer to be written anyway), and no joined array on the heap. A buffer over the heap pieces would not do:
     * the socket's write merges a composite of heap buffers into a new array first.
     */
    private static ByteBuf content(io.netty.buffer.ByteBufAllocator alloc, UpstreamBody body) {
        ByteBuf out = alloc.directBuffer(body.length(), body.length());
        for (UpstreamBody.Piece p : body.pieces()) {
            out.writeBytes(p.array(), p.offset(), p.length());
        }
        return out;
    }

    /** What is waiting for the answer on a connection. */
    private interface Receiver {
        void read(Channel c, HttpObject msg);

        void closed(Throwable cause);
    }

    @Override
    public CompletableFuture<UpstreamReply> send(Operation operation, byte[] body) {
        return send(operation, body, Map.of());
    }

    @Override
    public CompletableFuture<UpstreamReply> send(Operation operation, byte[] body, Map<String, String> headers) {
        return send(operation, UpstreamBody.of(body), headers);
    }

    @Override
    public CompletableFuture<UpstreamReply> send(Operation operation, UpstreamBody body, Map<String, String> headers) {
        CompletableFuture<UpstreamReply> result = new CompletableFuture<>();
        EventLoop loop = upstream.loop();
        Exchange x = new Exchange(loop, basePath + operation.path(), body, headers, result);
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

    /**
     * What both kinds of exchange share: getting a connection (pooled or new), writing the request once, and
     * knowing whether it may be sent again — only when a pooled connection proved dead before the request went
     * out. Every method runs on {@link #loop}.
     */
    private abstract class Outbound implements Receiver {
        final EventLoop loop;
        final String path;
        final UpstreamBody body;
        /** Headers the gateway adds for this call (the trace context). */
        final Map<String, String> headers;
        Channel channel;
        boolean reused;
        boolean retried;
        boolean written;
        Throwable writeError;

        Outbound(EventLoop loop, String path, UpstreamBody body, Map<String, String> headers) {
            this.loop = loop;
            this.path = path;
            this.body = body;
            this.headers = headers;
        }

        /** Whether this exchange has ended (answered, failed or cancelled). */
        abstract boolean ended();

        abstract boolean streaming();

        /** A new connection could not be made. */
        abstract void connectFailed(Throwable cause);

        /** A pooled connection if there is one, else a new one; then the request. */
        void open() {
            Channel idle = upstream.take(loop, streaming() ? streamPool : callPool);
            if (idle != null) {
                reused = true;
                send(idle);
            } else {
                connect();
            }
        }

        void connect() {
            java.util.concurrent.CompletableFuture<io.netty.handler.ssl.SslContext> setUp = tls ? upstream.tls() : null;
            if (setUp != null && !setUp.isDone()) {
                // TLS is not set up yet (the sidecar's first https call, within a second of its start): connect on
                // this loop once it is, rather than wait for it here.
                setUp.whenComplete((context, error) -> loop.execute(() -> {
                    if (!ended()) {
                        connect();
                    }
                }));
                return;
            }
            if (setUp != null && setUp.isCompletedExceptionally()) {
                connectFailed(setUp.handle((context, error) -> error).join());
                return;
            }
            reused = false;
            ChannelFuture f = NettyBackend.this.connect(loop, streaming(), setUp == null ? null : setUp.join());
            f.addListener(done -> {
                if (!done.isSuccess()) {
                    connectFailed(done.cause());
                } else if (ended()) {
                    f.channel().close(); // cancelled or timed out while connecting
                } else {
                    send(f.channel());
                }
            });
        }

        private void send(Channel c) {
            channel = c;
            c.attr(EXCHANGE).set(this);
            c.config().setAutoRead(true);
            written = false;
            c.attr(HEARD).set(Boolean.FALSE);
            c.writeAndFlush(request(c.alloc(), path, body, headers, streaming())).addListener(w -> {
                if (w.isSuccess()) {
                    written = true;
                } else {
                    writeError = w.cause();
                    c.close(); // the dispatcher's channelInactive decides: a fresh connection, or a failure
                }
            });
        }

        /**
         * Sends the request again, once, on a new connection when the pooled one it was given turns out dead: the
         * request did not go out, or it went out and the connection closed (or was reset) before a single byte of an
         * answer — the server closed the idle connection as the request crossed it, and never read it. OkHttp
         * resends in the same case. After any byte of an answer, or on a timeout, never: the model may have billed
         * it, and the gateway's retry policy decides.
         */
        boolean resentAfter(Throwable cause) {
            if (!reused || retried) {
                return false;
            }
            boolean unsent = !written && cause == null;
            boolean unheard = written && channel != null && !Boolean.TRUE.equals(channel.attr(HEARD).get())
                    && (cause == null || cause instanceof java.io.IOException);
            if (!unsent && !unheard) {
                return false;
            }
            retried = true;
            channel = null;
            connect();
            return true;
        }
    }

    /** One request and its answer; every method runs on {@link #loop}. */
    private final class Exchange extends Outbound {
        private final CompletableFuture<UpstreamReply> result;
        private ScheduledFuture<?> deadline;
        private boolean done;

        Exchange(EventLoop loop, String path, UpstreamBody body, Map<String, String> headers,
                CompletableFuture<UpstreamReply> result) {
            super(loop, path, body, headers);
            this.result = result;
        }

        @Override
        boolean ended() {
            return done;
        }

        @Override
        boolean streaming() {
            return false;
        }

        @Override
        void connectFailed(Throwable cause) {
            fail(connectFailure(cause));
        }

        void start() {
            if (result.isDone()) {
                return;
            }
            long total = spec.limits().totalTimeout().toMillis();
            deadline = loop.schedule(() -> fail(failure(UpstreamFailure.Kind.TOTAL_TIMEOUT, "backend '" + spec.name()
                    + "' did not answer within its total time of " + total + " ms", null)), total,
                    TimeUnit.MILLISECONDS);
            open();
        }

        @Override
        public void read(Channel c, HttpObject msg) {
            if (msg instanceof FullHttpResponse response) {
                answered(c, response);
            }
        }

        /** The connection closed before the answer was complete. */
        @Override
        public void closed(Throwable cause) {
            if (done) {
                return;
            }
            if (resentAfter(cause)) {
                return;
            }
            Throwable why = cause != null ? cause : writeError;
            fail(failure(UpstreamFailure.Kind.IO, "I/O error talking to backend '" + spec.name() + "': "
                    + (why == null ? "connection closed before the answer" : describe(why)), why));
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
                        OpenAiBackend.retryAfter(response.headers().get(HttpHeaderNames.RETRY_AFTER), clock), null));
            }
            c.attr(EXCHANGE).set(null);
            if (keepAlive) {
                upstream.giveBack(loop, callPool, c);
            } else {
                c.close();
            }
        }

        void cancel() {
            abandon();
        }

        private void fail(UpstreamFailure failure) {
            if (abandon()) {
                result.completeExceptionally(failure);
            }
        }

        /** Ends the exchange once, without an answer: no deadline, connection closed. False if it had ended. */
        private boolean abandon() {
            if (done) {
                return false;
            }
            done = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (channel != null) {
                channel.attr(EXCHANGE).set(null);
                channel.close();
            }
            return true;
        }
    }

    /** One streamed request and its events; every method runs on {@link #loop}. */
    private final class StreamExchange extends Outbound {
        private final StreamSink sink;
        private final SseRelay relay;
        private final StreamWatchdog.Guard guard;
        private boolean aborted;
        private boolean keepAlive = true;
        private boolean finished;
        private int status;
        private String retryAfter;
        /** The body of a whole JSON answer to the streamed request, gathered until its end; else null. */
        private java.io.ByteArrayOutputStream wholeBody;
        private StringBuilder errorBody;
        /** The bytes of a line not yet complete (a chunk may end anywhere, even inside a character). */
        private byte[] line = new byte[512];
        private int lineLength;

        StreamExchange(EventLoop loop, String path, UpstreamBody body, Map<String, String> headers,
                boolean forwardUsageChunk, StreamSink sink) {
            super(loop, path, body, headers);
            this.sink = sink;
            // The watchdog breaks a guard from its own thread; the connection is closed on its loop.
            this.guard = watchdog.watch(spec.name(), spec.limits(), () -> loop.execute(this::abort));
            this.relay = new SseRelay(spec.name(), forwardUsageChunk, sink, guard::onEvent);
        }

        @Override
        boolean ended() {
            return finished;
        }

        @Override
        boolean streaming() {
            return true;
        }

        @Override
        void connectFailed(Throwable cause) {
            end(guard.failure(() -> connectFailure(cause)));
        }

        void start() {
            if (!finished) {
                open();
            }
        }

        @Override
        public void read(Channel c, HttpObject msg) {
            if (finished) {
                return;
            }
            if (msg instanceof HttpResponse response) {
                status = response.status().code();
                keepAlive = HttpUtil.isKeepAlive(response);
                if (status / 100 != 2) {
                    errorBody = new StringBuilder();
                    retryAfter = response.headers().get(HttpHeaderNames.RETRY_AFTER);
                } else if (SseRelay.isWholeAnswer(response.headers().get(HttpHeaderNames.CONTENT_TYPE))) {
                    wholeBody = new java.io.ByteArrayOutputStream(); // a server that ignores stream: true
                }
            }
            if (!(msg instanceof HttpContent content)) {
                return;
            }
            if (wholeBody != null) {
                io.netty.buffer.ByteBuf bytes = content.content();
                if (wholeBody.size() + bytes.readableBytes() > MAX_ANSWER_BYTES) {
                    c.close();
                    end(failure(UpstreamFailure.Kind.TRUNCATED, "backend '" + spec.name() + "' answered with more "
                            + "than " + MAX_ANSWER_BYTES + " bytes", null));
                    return;
                }
                byte[] piece = ByteBufUtil.getBytes(bytes);
                wholeBody.write(piece, 0, piece.length);
                if (msg instanceof LastHttpContent) {
                    finished = true;
                    guard.done();
                    release(c, true);
                    relay.whole(wholeBody.toString(StandardCharsets.UTF_8));
                }
                return;
            }
            if (errorBody != null) {
                if (errorBody.length() < MAX_ERROR_BODY) {
                    errorBody.append(content.content().toString(StandardCharsets.UTF_8));
                }
                if (msg instanceof LastHttpContent) {
                    String text = errorBody.length() > MAX_ERROR_BODY ? errorBody.substring(0, MAX_ERROR_BODY)
                            : errorBody.toString();
                    release(c, true);
                    end(new UpstreamFailure(UpstreamFailure.Kind.STATUS, spec.name(), "backend '" + spec.name()
                            + "' answered HTTP " + status, status, text, OpenAiBackend.retryAfter(retryAfter, clock), null));
                }
                return;
            }
            boolean relayed = false;
            try {
                relayed = feed(content.content());
            } catch (IOException e) {
                c.close();
                end(guard.failure(() -> relay.cut(describe(e), e)));
                return;
            }
            if (relay.ended()) {
                finished = true;
                guard.done();
                if (msg instanceof LastHttpContent) {
                    release(c, true);
                } else {
                    // [DONE] came before the body's end (the usual case: the end is a chunk of its own): the
                    // connection waits for it on its own, so this exchange — the request and its body — is free now.
                    new BodyEnd(loop, keepAlive).await(c);
                }
                return;
            }
            if (relayed) {
                sink.onIdle(); // what this read brought goes out now, as one write
            }
            if (msg instanceof LastHttpContent) {
                finished = true;
                guard.done();
                release(c, true);
                relay.eof();
                return;
            }
            if (!sink.ready()) {
                // The client cannot take more: stop reading the upstream until it can (no thread parks).
                c.config().setAutoRead(false);
                upstream.paused();
                guard.pause(); // the silence that follows is the client's, not the backend's
                sink.whenReady(() -> loop.execute(() -> {
                    if (!finished && c.isActive() && c.attr(EXCHANGE).get() == this) {
                        guard.resume();
                        c.config().setAutoRead(true);
                        c.read();
                    }
                }));
            }
        }

        /** Splits a chunk into lines for the relay; true when an event was relayed. */
        private boolean feed(io.netty.buffer.ByteBuf bytes) throws IOException {
            boolean relayed = false;
            int i = bytes.readerIndex();
            int to = bytes.writerIndex();
            // Line by line with bulk copies: a byte-at-a-time walk pays the buffer's checks on every byte.
            while (i < to && !relay.ended()) {
                int nl = bytes.indexOf(i, to, (byte) '\n');
                int end = nl < 0 ? to : nl;
                append(bytes, i, end - i);
                if (nl < 0) {
                    break;
                }
                int n = lineLength > 0 && line[lineLength - 1] == '\r' ? lineLength - 1 : lineLength;
                String text = new String(line, 0, n, StandardCharsets.UTF_8);
                lineLength = 0;
                relayed |= relay.line(text);
                i = nl + 1;
            }
            return relayed;
        }

        private void append(io.netty.buffer.ByteBuf bytes, int from, int length) {
            if (lineLength + length > line.length) {
                line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, lineLength + length));
            }
            bytes.getBytes(from, line, lineLength, length);
            lineLength += length;
        }

        /** Detaches from the connection: back to the pool after a complete answer, else closed. */
        private void release(Channel c, boolean complete) {
            releaseStream(loop, c, complete && keepAlive);
        }

        @Override
        public void closed(Throwable cause) {
            if (finished) {
                return;
            }
            if (status == 0 && !aborted && !guard.isBroken() && resentAfter(cause)) {
                return;
            }
            if (errorBody != null) {
                // The refusal's body was cut short: still the refusal it was, as OkHttp reports it.
                end(new UpstreamFailure(UpstreamFailure.Kind.STATUS, spec.name(), "backend '" + spec.name()
                        + "' answered HTTP " + status, status, errorBody.toString(),
                        OpenAiBackend.retryAfter(retryAfter, clock), cause));
                return;
            }
            Throwable why = cause != null ? cause : writeError;
            end(guard.failure(() -> status == 0
                    ? failure(UpstreamFailure.Kind.IO, "I/O error talking to backend '" + spec.name() + "': "
                            + (why == null ? "connection closed before the answer" : describe(why)), why)
                    : relay.cut(cause == null ? "connection closed" : describe(cause), cause)));
        }

        /** A guard broke or the caller left: close the connection; the failure is reported once. */
        private void abort() {
            if (finished) {
                return;
            }
            aborted = true;
            if (channel != null && channel.isActive()) {
                channel.close(); // closed() follows, and reports the guard's reason
            } else {
                end(guard.failure(() -> failure(UpstreamFailure.Kind.CANCELLED, "stream of backend '"
                        + spec.name() + "' was cancelled", null)));
            }
        }

        private void end(UpstreamFailure failure) {
            if (finished) {
                return;
            }
            finished = true;
            guard.done();
            sink.onFailure(failure, relay.delivered());
        }

        void cancel() {
            guard.abandon(); // marks the stream abandoned and aborts it on its loop
        }
    }

    /**
     * A stream's connection after its {@code [DONE]}, waiting for the body's end so it can serve another call; one
     * that does not come within {@link #BODY_END_GRACE_SECONDS} closes it. It holds the connection and nothing of the
     * exchange: a timer that held the exchange kept every stream's request, body included, for the grace time after
     * it ended — at a thousand streams a second of 4,000-token prompts, hundreds of megabytes (an
     * {@code OutOfMemoryError} in the overload benchmark). Its timer is cancelled when the end arrives. On its loop.
     */
    private final class BodyEnd implements Receiver {
        private final EventLoop loop;
        private final boolean keepAlive;
        private io.netty.util.concurrent.ScheduledFuture<?> grace;

        BodyEnd(EventLoop loop, boolean keepAlive) {
            this.loop = loop;
            this.keepAlive = keepAlive;
        }

        void await(Channel c) {
            c.attr(EXCHANGE).set(this);
            // Read on: a pause for the client no longer applies.
            c.config().setAutoRead(true);
            c.read();
            grace = loop.schedule(() -> {
                if (c.attr(EXCHANGE).get() == this) {
                    c.attr(EXCHANGE).set(null);
                    c.close();
                }
            }, BODY_END_GRACE_SECONDS, TimeUnit.SECONDS);
        }

        @Override
        public void read(Channel c, HttpObject msg) {
            if (msg instanceof LastHttpContent) {
                grace.cancel(false);
                releaseStream(loop, c, keepAlive);
            } // more of the body after [DONE]: ignored
        }

        @Override
        public void closed(Throwable cause) {
            grace.cancel(false);
        }
    }

    /** Detaches a stream's connection from its exchange: back to the pool when it can serve another call, else closed. */
    private void releaseStream(EventLoop loop, Channel c, boolean reusable) {
        c.attr(EXCHANGE).set(null);
        if (reusable && c.isActive()) {
            c.config().setAutoRead(true);
            upstream.giveBack(loop, streamPool, c);
        } else {
            c.close();
        }
    }

    /** Hands what the connection reads (or its loss) to the exchange in flight on it. */
    private static final class Dispatcher extends SimpleChannelInboundHandler<HttpObject> {
        private Throwable error;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg.decoderResult().isFailure()) {
                // Not HTTP we can trust (a bad status line, chunk size, oversized headers): the decoder discards
                // everything after it, so the connection is done for.
                error = msg.decoderResult().cause();
                ctx.close();
                return;
            }
            Receiver x = ctx.channel().attr(EXCHANGE).get();
            if (x == null) {
                if (!(msg instanceof HttpContent) || msg instanceof LastHttpContent) {
                    ctx.close(); // an answer nobody asked for
                }
                return;
            }
            x.read(ctx.channel(), msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Receiver x = ctx.channel().attr(EXCHANGE).getAndSet(null);
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

    @io.netty.channel.ChannelHandler.Sharable
    private static final class HearingHandler extends io.netty.channel.ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.channel().attr(HEARD).set(Boolean.TRUE);
            ctx.fireChannelRead(msg);
        }
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
