package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Answers one connection's requests as the simulated model; all timing is scheduled on the event loop. */
final class MockModelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    /** What the simulated model received, for people and scripts: not itself recorded. */
    static final String RECEIVED = "/__received";
    /** What it is doing now ({@code open_streams}, {@code in_flight}): a benchmark reads what a crash will cut. */
    static final String STATS = "/__stats";

    private final MockModelBehaviour behaviour;

    MockModelHandler(MockModelBehaviour behaviour) {
        this.behaviour = behaviour;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String uri = request.uri();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        String path = uri.contains("?") ? uri.substring(0, uri.indexOf('?')) : uri;
        if (path.equals(RECEIVED)) {
            received(ctx, request, keepAlive);
            return;
        }
        if (path.equals(STATS) && HttpMethod.GET.equals(request.method())) {
            writeJson(ctx, HttpResponseStatus.OK, MockModelBehaviour.JSON.createObjectNode()
                    .put("open_streams", behaviour.openStreams()).put("in_flight", behaviour.inFlight()), keepAlive);
            return;
        }
        MockModelOptions o = behaviour.options();
        if (o.recordLimit() > 0 || o.logBodies()) {
            String body = request.content().toString(StandardCharsets.UTF_8);
            Map<String, String> headers = new HashMap<>();
            request.headers().forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
            RecordedRequest recorded = behaviour.record(o, request.method().name(), uri, headers, body);
            if (o.logBodies()) {
                System.out.println(ReceivedRequests.logLine(recorded));
            }
        } else {
            // Nothing kept or printed (a load test's model): numbered all the same, without copying the body out.
            behaviour.received().countOnly();
        }
        if (HttpMethod.GET.equals(request.method()) && path.endsWith("/models")) {
            writeJson(ctx, HttpResponseStatus.OK, behaviour.models(o), keepAlive);
            return;
        }
        if (!HttpMethod.POST.equals(request.method())
                || !(path.endsWith("/chat/completions") || path.endsWith("/embeddings"))) {
            writeJson(ctx, HttpResponseStatus.NOT_FOUND,
                    MockModelBehaviour.error(404, "no route " + request.method() + " " + path), keepAlive);
            return;
        }
        JsonNode json;
        try {
            // From the bytes: no copy of the body into a String first (a load test's prompts are large).
            json = MockModelBehaviour.JSON.readTree(new ByteBufInputStream(request.content().duplicate()));
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            writeJson(ctx, HttpResponseStatus.BAD_REQUEST,
                    MockModelBehaviour.error(400, "body is not a JSON object"), keepAlive);
            return;
        }
        int failure = behaviour.failureStatus(o);
        JsonNode req = json;
        long delayNanos = o.firstTokenDelay().toNanos();
        if (failure != 0) {
            served(ctx, () -> writeFailure(ctx, o, failure, keepAlive), delayNanos);
            return;
        }
        if (path.endsWith("/embeddings")) {
            served(ctx, () -> writeJson(ctx, HttpResponseStatus.OK, behaviour.embeddings(o, req), keepAlive),
                    delayNanos);
            return;
        }
        if (req.path("stream").asBoolean(false) && !o.wholeAnswers()) {
            new MockStream(ctx, behaviour, o, req, keepAlive).start(delayNanos);
        } else {
            int n = behaviour.completionTokens(o, req);
            long total = delayNanos + (o.tokensPerSecond() > 0 ? (long) ((n - 1) * 1e9 / o.tokensPerSecond()) : 0);
            served(ctx, () -> writeJson(ctx, HttpResponseStatus.OK, behaviour.completion(o, req,
                    behaviour.nextId()), keepAlive), total);
        }
    }

    /**
     * {@code GET /__received[?since=SEQ][&last=N]}: the recorded requests numbered above {@code since}, the newest
     * {@code last} of them, oldest first. {@code DELETE /__received}: forget them (204).
     */
    private void received(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) {
        if (HttpMethod.DELETE.equals(request.method())) {
            behaviour.received().clear();
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.NO_CONTENT);
            write(ctx, response, keepAlive);
            return;
        }
        if (!HttpMethod.GET.equals(request.method())) {
            FullHttpResponse response = jsonResponse(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    MockModelBehaviour.error(405, request.method() + " " + RECEIVED + ": expected GET or DELETE"));
            response.headers().set(HttpHeaderNames.ALLOW, "GET, DELETE");
            write(ctx, response, keepAlive);
            return;
        }
        Map<String, java.util.List<String>> query = new QueryStringDecoder(request.uri()).parameters();
        long since;
        int last;
        try {
            since = query.containsKey("since") ? Long.parseLong(query.get("since").get(0)) : 0;
            last = query.containsKey("last") ? Integer.parseInt(query.get("last").get(0)) : Integer.MAX_VALUE;
            if (since < 0 || last < 0) {
                throw new NumberFormatException("negative");
            }
        } catch (NumberFormatException e) {
            writeJson(ctx, HttpResponseStatus.BAD_REQUEST, MockModelBehaviour.error(400,
                    "since and last must be whole numbers >= 0, e.g. ?since=12&last=5"), keepAlive);
            return;
        }
        byte[] bytes = ReceivedRequests.toJson(behaviour.received().select(since, last));
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        write(ctx, response, keepAlive);
    }

    private static void writeFailure(ChannelHandlerContext ctx, MockModelOptions o, int status, boolean keepAlive) {
        FullHttpResponse response = jsonResponse(HttpResponseStatus.valueOf(status),
                MockModelBehaviour.error(status, "simulated failure " + status));
        if (o.retryAfterDate() != null) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, o.retryAfterDate());
        } else if (o.retryAfterSeconds() > 0) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, o.retryAfterSeconds());
        }
        write(ctx, response, keepAlive);
    }

    static void writeJson(ChannelHandlerContext ctx, HttpResponseStatus status, ObjectNode body, boolean keepAlive) {
        write(ctx, jsonResponse(status, body), keepAlive);
    }

    private static FullHttpResponse jsonResponse(HttpResponseStatus status, ObjectNode body) {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return response;
    }

    private static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        if (!ctx.channel().isActive()) {
            response.release();
            return;
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** A call counted in flight from now until its answer is written (for {@code peakInFlight}). */
    private void served(ChannelHandlerContext ctx, Runnable write, long delayNanos) {
        behaviour.callStarted();
        later(ctx, () -> {
            try {
                write.run();
            } finally {
                behaviour.callEnded();
            }
        }, delayNanos);
    }

    /** Runs now when there is no delay: a zero-delay schedule waits for the event loop's next wake-up. */
    private static void later(ChannelHandlerContext ctx, Runnable task, long delayNanos) {
        if (delayNanos <= 0) {
            task.run();
        } else {
            ctx.executor().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** One SSE stream: headers and first token after the delay, then one token per tick. */
    private static final class MockStream {
        private final ChannelHandlerContext ctx;
        private final MockModelBehaviour behaviour;
        private final MockModelOptions o;
        private final boolean keepAlive;
        private final boolean includeUsage;
        private final java.util.List<String> texts;
        private final int tokens;
        private final int promptTokens;
        private final String id;
        /** When the model calls a tool: its first chunk names it, then {@link #texts} are argument pieces. */
        private final MockModelBehaviour.ToolCall toolCall;
        private final long created = System.currentTimeMillis() / 1000;
        private final long intervalNanos;
        private int sent;
        private boolean closed;

        MockStream(ChannelHandlerContext ctx, MockModelBehaviour behaviour, MockModelOptions o, JsonNode req,
                boolean keepAlive) {
            this.ctx = ctx;
            this.behaviour = behaviour;
            this.o = o;
            this.keepAlive = keepAlive;
            this.includeUsage = req.path("stream_options").path("include_usage").asBoolean(false);
            this.toolCall = behaviour.toolCall(o, req);
            if (toolCall != null) {
                java.util.List<String> pieces = new java.util.ArrayList<>();
                pieces.add(""); // the chunk that names the tool
                pieces.addAll(toolCall.pieces());
                this.texts = pieces;
            } else {
                this.texts = behaviour.tokens(o, req);
            }
            this.tokens = texts.size();
            this.promptTokens = MockModelBehaviour.promptTokens(req);
            this.id = behaviour.nextId();
            this.intervalNanos = o.tokensPerSecond() > 0 ? (long) (1e9 / o.tokensPerSecond()) : 0;
        }

        void start(long delayNanos) {
            behaviour.streamOpened();
            ctx.channel().closeFuture().addListener(f -> finish());
            later(ctx, this::begin, delayNanos);
        }

        private void begin() {
            if (!ctx.channel().isActive()) {
                finish();
                return;
            }
            HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
            response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
            HttpUtil.setTransferEncodingChunked(response, true);
            HttpUtil.setKeepAlive(response, keepAlive);
            ctx.write(response);
            next();
        }

        private void next() {
            if (closed || !ctx.channel().isActive()) {
                finish();
                return;
            }
            if (o.dropAfterChunks() >= 0 && sent >= o.dropAfterChunks()) {
                ctx.flush();
                ctx.close();
                finish();
                return;
            }
            if (sent < tokens) {
                ObjectNode chunk = toolCall != null
                        ? behaviour.toolCallChunk(o, id, created, toolCall, texts.get(sent), sent == 0)
                        : behaviour.deltaChunk(o, id, created, sent == 0 ? "assistant" : null, texts.get(sent), null);
                sent++;
                ctx.writeAndFlush(event(chunk));
                if (intervalNanos == 0) {
                    ctx.executor().execute(this::next);
                } else {
                    ctx.executor().schedule(this::next, intervalNanos, TimeUnit.NANOSECONDS);
                }
                return;
            }
            String finish = toolCall != null ? "tool_calls"
                    : !o.echo() && tokens < o.responseTokens() ? "length" : "stop";
            ctx.write(event(behaviour.deltaChunk(o, id, created, null, null, finish)));
            if (includeUsage) {
                ctx.write(event(behaviour.usageChunk(o, id, created, promptTokens, tokens)));
            }
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(DONE)));
            var future = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
            finish();
        }

        private void finish() {
            if (!closed) {
                closed = true;
                behaviour.streamClosed();
            }
        }

        private static DefaultHttpContent event(ObjectNode json) {
            byte[] bytes = ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
            ByteBuf buf = Unpooled.wrappedBuffer(bytes);
            return new DefaultHttpContent(buf);
        }
    }
}
