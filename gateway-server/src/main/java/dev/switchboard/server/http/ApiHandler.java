package dev.switchboard.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.GatewayResponse;
import dev.switchboard.core.Operation;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.StreamCall;
import dev.switchboard.server.telemetry.AccessLog;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AttributeKey;
import io.opentelemetry.context.Scope;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible endpoints, as a thin layer over the core: decode the body once on the event loop, release
 * the buffer, hand the request to the {@link Gateway}, and write back what it answers. Shared by all channels.
 */
final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(ApiHandler.class);
    /** The stream being written on a channel, so writability changes can wake its writer. */
    static final AttributeKey<SseResponseWriter> STREAM = AttributeKey.valueOf("switchboard.stream");
    static final String TENANT_HEADER = "x-switchboard-tenant";
    static final String CHAT_PATH = "/v1/chat/completions";
    static final String CHAT_PATH_SHORT = "/chat/completions";
    static final String EMBEDDINGS_PATH = "/v1/embeddings";
    static final String EMBEDDINGS_PATH_SHORT = "/embeddings";

    /** Whether {@code path} is one of the model calls (chat completions, embeddings). */
    static boolean modelCall(String path) {
        return switch (path) {
            case CHAT_PATH, CHAT_PATH_SHORT, EMBEDDINGS_PATH, EMBEDDINGS_PATH_SHORT -> true;
            default -> false;
        };
    }

    private final Supplier<Gateway> gateway;
    private final Readiness readiness;
    /** The client keys of the config in force, rebuilt when a reload changes them. */
    private volatile ClientAuth auth;
    private volatile dev.switchboard.core.config.AuthSpec authSpec;

    /** Where server spans come from; null when traces are off. */
    private final ServerSpan.Factory spans;

    /** Where the requests the sidecar answers itself are logged; the gateway's own go there as it records them. */
    private final AccessLog accessLog;

    ApiHandler(Supplier<Gateway> gateway, Readiness readiness,
            io.opentelemetry.api.OpenTelemetry openTelemetry, AccessLog accessLog) {
        this.accessLog = accessLog;
        this.spans = ServerSpan.factory(openTelemetry);
        this.gateway = gateway;
        this.readiness = readiness;
    }

    private ClientAuth auth() {
        dev.switchboard.core.config.AuthSpec spec = gateway.get().spec().server().auth();
        if (spec != authSpec) {
            auth = new ClientAuth(spec);
            authSpec = spec;
        }
        return auth;
    }

    /**
     * Who sends a request with these headers, under the client keys in force. An open-mode tenant header is the
     * client's word, written to records and metric labels: customer data in it is written as its kind.
     */
    ClientAuth.Caller caller(io.netty.handler.codec.http.HttpHeaders headers) {
        ClientAuth.Caller who = auth().caller(headers);
        if (who.key() != null || who.tenant() == null) {
            return who;
        }
        String tenant = gateway.get().recordable(who.tenant());
        return tenant.equals(who.tenant()) ? who : new ClientAuth.Caller(who.admitted(), tenant, null, who.refusal());
    }

    @Override
    public boolean isSharable() {
        return true;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        long startNanos = System.nanoTime();
        String requestId = HttpResponses.requestId(request.headers(), gateway.get()::recordable);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            ErrorKind kind = cause instanceof TooLongHttpHeaderException || cause instanceof TooLongHttpLineException
                    ? ErrorKind.HEADERS_TOO_LARGE : ErrorKind.INVALID_REQUEST;
            String message = kind == ErrorKind.HEADERS_TOO_LARGE ? "request line or headers too large"
                    : "malformed HTTP request: " + (cause instanceof TooLongFrameException ? "too long"
                            : String.valueOf(cause.getMessage()));
            accessLog.answered(requestId, null, null, null, kind.status(), kind.code(), millisSince(startNanos));
            write(ctx.channel(), HttpResponses.error(kind, message, requestId), false);
            return;
        }
        String uri = request.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        HttpMethod method = request.method();
        Refusals refuse = new Refusals(ctx, requestId, method, path, startNanos);
        boolean probe = path.equals("/healthz") || path.equals("/readyz");
        if (readiness.refusing() && !probe) {
            // A kept-alive connection may still bring a request: refuse it and close, so the client retries elsewhere.
            refuse.with(null, ErrorKind.UNAVAILABLE, "the server is shutting down; retry", false);
            return;
        }
        String tenant = null;
        ClientAuth.Caller who = null;
        if (!probe) {
            who = caller(request.headers());
            if (!who.admitted()) {
                refuse.with(null, ErrorKind.UNAUTHORIZED, who.refusal(), keepAlive);
                return;
            }
            tenant = who.tenant();
        }
        switch (path) {
            case CHAT_PATH, CHAT_PATH_SHORT -> {
                if (require(HttpMethod.POST, refuse, tenant, keepAlive)) {
                    handleModelCall(ctx, request, Operation.CHAT, path, requestId, keepAlive, who, refuse);
                }
            }
            case EMBEDDINGS_PATH, EMBEDDINGS_PATH_SHORT -> {
                if (require(HttpMethod.POST, refuse, tenant, keepAlive)) {
                    handleModelCall(ctx, request, Operation.EMBEDDINGS, path, requestId, keepAlive, who, refuse);
                }
            }
            case "/v1/models", "/models" -> {
                if (require(HttpMethod.GET, refuse, tenant, keepAlive)) {
                    accessLog.answered(requestId, method.name(), path, tenant, 200, null, millisSince(startNanos));
                    write(ctx.channel(), withId(HttpResponses.json(HttpResponseStatus.OK, models()), requestId),
                            keepAlive);
                }
            }
            case "/healthz" -> { // probes: not in the access log
                if (require(HttpMethod.GET, refuse, null, keepAlive)) {
                    ObjectNode ok = HttpResponses.JSON.createObjectNode().put("status", "ok");
                    write(ctx.channel(), withId(HttpResponses.json(HttpResponseStatus.OK, ok), requestId), keepAlive);
                }
            }
            case "/readyz" -> { // probes: not in the access log
                if (require(HttpMethod.GET, refuse, null, keepAlive)) {
                    Readiness.State state = readiness.state();
                    ObjectNode body = HttpResponses.JSON.createObjectNode()
                            .put("status", state.name().toLowerCase(java.util.Locale.ROOT));
                    HttpResponseStatus status = state == Readiness.State.READY ? HttpResponseStatus.OK
                            : HttpResponseStatus.SERVICE_UNAVAILABLE;
                    write(ctx.channel(), withId(HttpResponses.json(status, body), requestId), keepAlive);
                }
            }
            default -> refuse.with(tenant, ErrorKind.NOT_FOUND,
                    "no endpoint " + method + " " + path + " (try POST /v1/chat/completions)", keepAlive);
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Answers a request the sidecar refuses itself, before the gateway, with its access-log line. */
    private final class Refusals {
        private final ChannelHandlerContext ctx;
        private final String requestId;
        private final HttpMethod method;
        private final String path;
        private final long startNanos;

        Refusals(ChannelHandlerContext ctx, String requestId, HttpMethod method, String path, long startNanos) {
            this.ctx = ctx;
            this.requestId = requestId;
            this.method = method;
            this.path = path;
            this.startNanos = startNanos;
        }

        void with(String tenant, ErrorKind kind, String message, boolean keepAlive) {
            with(tenant, new GatewayException(kind, message), null, keepAlive);
        }

        void with(String tenant, GatewayException e, String traceId, boolean keepAlive) {
            accessLog.answered(requestId, method.name(), path, tenant, e.status(), e.kind().code(),
                    millisSince(startNanos));
            write(ctx.channel(), HttpResponses.error(e, requestId, traceId), keepAlive);
        }
    }

    private void handleModelCall(ChannelHandlerContext ctx, FullHttpRequest request, Operation operation,
            String path, String requestId, boolean keepAlive, ClientAuth.Caller who, Refusals refuse) {
        String tenant = who.tenant();
        Channel channel = ctx.channel();
        channel.attr(ClientIdleHandler.ANSWERING).set(true);
        ServerSpan span = spans == null ? null : spans.start("POST", path, request.headers(), requestId);
        String traceId = span == null ? null : span.traceId();
        GatewayRequest gatewayRequest;
        try {
            // Decode once, here; the body buffer is released by SimpleChannelInboundHandler after this returns.
            byte[] body = ByteBufUtil.getBytes(request.content());
            RequestView view = RequestView.of(operation, body);
            gatewayRequest = new GatewayRequest(view, headers(request), tenant, requestId,
                    who.key() == null ? null : who.key().name());
        } catch (GatewayException e) {
            ended(span, e.status(), e.kind().code()); // before the client can see the answer (and move on)
            refuse.with(tenant, e, traceId, keepAlive); // an unreadable body: the gateway never sees it
            return;
        }
        Gateway g = gateway.get();
        // A key limited to some routes: the model names a route it may not use.
        String route = g.route(gatewayRequest.body().model()).orElse(null);
        if (route != null && !who.allows(route)) {
            GatewayException forbidden = new GatewayException(ErrorKind.FORBIDDEN, "this API key may not use model '"
                    + gatewayRequest.body().model() + "' (route " + route + "); it may use: "
                    + String.join(", ", who.key().routes()));
            ended(span, forbidden.status(), forbidden.kind().code());
            refuse.with(tenant, forbidden, traceId, keepAlive);
            return;
        }
        if (gatewayRequest.body().stream()) {
            SseResponseWriter writer = new SseResponseWriter(channel, requestId, keepAlive, span);
            channel.attr(STREAM).set(writer);
            StreamCall call;
            try (Scope traced = span == null ? Scope.noop() : span.makeCurrent()) {
                call = g.chatStream(gatewayRequest, writer, channel.eventLoop());
            }
            writer.whileOpen(() -> {
                call.cancel();
                ended(span, 499, "client_closed"); // a no-op when the stream ended first
            });
            return;
        }
        // After a wait for Redis the request goes on on this connection's event loop, not the store's thread.
        CompletableFuture<GatewayResponse> future;
        try (Scope traced = span == null ? Scope.noop() : span.makeCurrent()) {
            future = operation == Operation.CHAT ? g.chatAsync(gatewayRequest, channel.eventLoop())
                    : g.embeddingsAsync(gatewayRequest, channel.eventLoop());
        }
        ChannelFutureListener cancelOnClose = f -> future.cancel(true);
        channel.closeFuture().addListener(cancelOnClose);
        future.whenComplete((response, error) -> {
            channel.closeFuture().removeListener(cancelOnClose);
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof java.util.concurrent.CancellationException) {
                    ended(span, 499, "client_closed");
                    return;
                }
                GatewayException ge = cause instanceof GatewayException g2 ? g2
                        : new GatewayException(ErrorKind.INTERNAL, "internal error", cause);
                if (ge.kind() == ErrorKind.INTERNAL) {
                    log.error("request {} failed", requestId, cause);
                }
                ended(span, ge.status(), ge.kind().code());
                write(channel, HttpResponses.error(ge, requestId, traceId), keepAlive);
                return;
            }
            FullHttpResponse out = HttpResponses.json(HttpResponseStatus.OK, response.body(), response.contentType());
            out.headers()
                    .set(HttpResponses.REQUEST_ID, requestId)
                    .set(HttpResponses.BACKEND, response.backend())
                    .set(HttpResponses.ATTEMPTS, response.attempts())
                    .set(HttpResponses.CACHE, response.cache().wire());
            if (response.decision() != null) {
                out.headers()
                        .set(HttpResponses.ROUTE, response.decision().route())
                        .set(HttpResponses.RULE, response.decision().ruleIndex())
                        .set(HttpResponses.DECISION_ID, response.decision().id())
                        .set(HttpResponses.DECISION, response.decision().summary());
            } else {
                out.headers().set(HttpResponses.DECISION, "answered from the cache");
            }
            ended(span, 200, null);
            write(channel, out, keepAlive);
        });
    }

    private static void ended(ServerSpan span, int status, String errorType) {
        if (span != null) {
            span.end(status, errorType);
        }
    }

    private ObjectNode models() {
        ObjectNode root = HttpResponses.JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String model : gateway.get().models()) {
            data.addObject().put("id", model).put("object", "model").put("created", 0).put("owned_by", "switchboard");
        }
        return root;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        SseResponseWriter writer = ctx.channel().attr(STREAM).get();
        if (writer != null) {
            writer.writabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        SseResponseWriter writer = ctx.channel().attr(STREAM).getAndSet(null);
        if (writer != null) {
            writer.writabilityChanged(); // wake a parked upstream reader so it sees the channel is gone
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("closing connection after error: {}", cause.toString());
        ctx.close();
    }

    /** Whether the method is the expected one; if not, answers 405 and returns false. */
    private static boolean require(HttpMethod expected, Refusals refuse, String tenant, boolean keepAlive) {
        if (expected.equals(refuse.method)) {
            return true;
        }
        refuse.with(tenant, ErrorKind.METHOD_NOT_ALLOWED, refuse.method + " is not allowed here (use " + expected
                + ")", keepAlive);
        return false;
    }

    private static FullHttpResponse withId(FullHttpResponse response, String requestId) {
        response.headers().set(HttpResponses.REQUEST_ID, requestId);
        return response;
    }

    /** Writes a complete response from any thread; closes the connection when it is not kept alive. */
    static void write(Channel channel, FullHttpResponse response, boolean keepAlive) {
        channel.attr(ClientIdleHandler.ANSWERING).set(false);
        if (!channel.isActive()) {
            response.release();
            return;
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        var f = channel.writeAndFlush(response);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The request's headers, names in lower case, first value of each, without the client's credentials. */
    private static Map<String, String> headers(FullHttpRequest request) {
        Map<String, String> out = new HashMap<>();
        request.headers().forEach(e -> out.putIfAbsent(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        out.remove("authorization");
        out.remove("x-api-key");
        return Map.copyOf(out); // immutable and lower case: the request keeps this map, no second copy
    }
}
