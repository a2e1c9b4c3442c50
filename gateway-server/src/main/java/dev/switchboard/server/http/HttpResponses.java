package dev.switchboard.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/** Builds the sidecar's responses: JSON bodies and OpenAI-shaped errors that carry the request id. */
final class HttpResponses {
    static final ObjectMapper JSON = new ObjectMapper();
    static final AsciiString REQUEST_ID = AsciiString.cached("x-switchboard-request-id");
    static final AsciiString ROUTE = AsciiString.cached("x-switchboard-route");
    static final AsciiString BACKEND = AsciiString.cached("x-switchboard-backend");
    static final AsciiString RULE = AsciiString.cached("x-switchboard-rule");
    static final AsciiString DECISION_ID = AsciiString.cached("x-switchboard-decision-id");
    static final AsciiString DECISION = AsciiString.cached("x-switchboard-decision");
    static final AsciiString ATTEMPTS = AsciiString.cached("x-switchboard-attempts");
    static final AsciiString CACHE = AsciiString.cached("x-switchboard-cache");
    static final AsciiString EVENT_STREAM = AsciiString.cached("text/event-stream");

    private HttpResponses() {
    }

    /**
     * The request's id: the caller's {@code x-request-id} when it is short and plain (so it cannot inject into logs
     * or headers) and {@code recordable} leaves it as it is (the compliance detectors find no customer data in it:
     * the id is written to every log, record and trace), else a new one.
     */
    static String requestId(io.netty.handler.codec.http.HttpHeaders headers,
            java.util.function.UnaryOperator<String> recordable) {
        String given = headers.get(REQUEST_ID);
        if (given != null && given.length() <= 128 && given.chars().allMatch(c -> c > 32 && c < 127)
                && recordable.apply(given).equals(given)) {
            return given;
        }
        return dev.switchboard.core.GatewayRequest.newRequestId();
    }

    static FullHttpResponse json(HttpResponseStatus status, byte[] body, String contentType) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return response;
    }

    static FullHttpResponse json(HttpResponseStatus status, ObjectNode body) {
        return json(status, body.toString().getBytes(StandardCharsets.UTF_8), "application/json");
    }

    static FullHttpResponse error(GatewayException e, String requestId) {
        return error(e, requestId, null);
    }

    /** As {@link #error(GatewayException, String)}, naming the request's trace when it is traced. */
    static FullHttpResponse error(GatewayException e, String requestId, String traceId) {
        FullHttpResponse response = json(HttpResponseStatus.valueOf(e.status()), errorBody(e, requestId, traceId));
        response.headers().set(REQUEST_ID, requestId);
        if (e.retryAfter().isPresent()) {
            long seconds = Math.max(1, (e.retryAfter().get().toMillis() + 999) / 1000);
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(seconds));
        } else if (e.kind() == ErrorKind.UNAVAILABLE || e.kind() == ErrorKind.OVERLOADED) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        return response;
    }

    static FullHttpResponse error(ErrorKind kind, String message, String requestId) {
        return error(new GatewayException(kind, message), requestId);
    }

    static ObjectNode errorBody(GatewayException e, String requestId) {
        return errorBody(e, requestId, null);
    }

    /**
     * {@code {"error":{"message","type","param","code","request_id"}}}, as OpenAI clients parse it, and
     * {@code trace_id} when the request is traced.
     */
    static ObjectNode errorBody(GatewayException e, String requestId, String traceId) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", e.getMessage());
        error.put("type", e.kind().type());
        if (e.param() == null) {
            error.putNull("param");
        } else {
            error.put("param", e.param());
        }
        error.put("code", e.kind().code());
        error.put("request_id", requestId);
        if (traceId != null) {
            error.put("trace_id", traceId);
        }
        return root;
    }

    static ByteBuf sseEvent(ByteBufAllocator alloc, String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = alloc.buffer(bytes.length + 8);
        buf.writeBytes(DATA_PREFIX).writeBytes(bytes).writeBytes(EVENT_END);
        return buf;
    }

    static final byte[] DATA_PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] EVENT_END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] ERROR_EVENT = "event: error\n".getBytes(StandardCharsets.US_ASCII);

    static String contentTypeJson() {
        return HttpHeaderValues.APPLICATION_JSON.toString();
    }
}
