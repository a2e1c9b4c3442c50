package dev.switchboard.core.backend;

import dev.switchboard.core.Operation;
import dev.switchboard.core.config.BackendSpec;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;

/** A backend that speaks the OpenAI HTTP API: async calls and streamed relays over the shared OkHttp client. */
public final class OpenAiBackend implements Backend {
    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final int MAX_ERROR_BODY = 8 * 1024;

    private final BackendSpec spec;
    private final OkHttpClient unary;
    private final OkHttpClient streaming;
    private final StreamWatchdog watchdog;
    private final java.time.Clock clock;
    private final HttpUrl chatUrl;
    private final HttpUrl embeddingsUrl;

    public OpenAiBackend(BackendSpec spec, UpstreamHttp http) {
        this.spec = spec;
        this.unary = http.unaryClientFor(spec);
        this.streaming = http.streamingClientFor(spec);
        this.watchdog = http.watchdog();
        this.clock = http.clock();
        this.chatUrl = HttpUrl.get(spec.baseUrl() + Operation.CHAT.path());
        this.embeddingsUrl = HttpUrl.get(spec.baseUrl() + Operation.EMBEDDINGS.path());
    }

    @Override
    public BackendSpec spec() {
        return spec;
    }

    private Request request(Operation operation, RequestBody body, Map<String, String> headers, boolean stream) {
        Request.Builder b = new Request.Builder()
                .url(operation == Operation.CHAT ? chatUrl : embeddingsUrl)
                .post(body)
                .header("Accept", stream ? "text/event-stream" : "application/json");
        if (spec.apiKey().isPresent()) {
            b.header("Authorization", "Bearer " + spec.apiKey().reveal());
        }
        headers.forEach(b::header);
        return b.build();
    }

    @Override
    public CompletableFuture<UpstreamReply> send(Operation operation, byte[] body) {
        return send(operation, body, Map.of());
    }

    @Override
    public CompletableFuture<UpstreamReply> send(Operation operation, byte[] body, Map<String, String> headers) {
        return send(operation, RequestBody.create(body, JSON_TYPE), headers);
    }

    /** The body written from its pieces as OkHttp sends it: no joined copy on the heap. */
    @Override
    public CompletableFuture<UpstreamReply> send(Operation operation, UpstreamBody body, Map<String, String> headers) {
        return send(operation, pieces(body), headers);
    }

    private static RequestBody pieces(UpstreamBody body) {
        return new RequestBody() {
            @Override
            public MediaType contentType() {
                return JSON_TYPE;
            }

            @Override
            public long contentLength() {
                return body.length();
            }

            @Override
            public void writeTo(okio.BufferedSink sink) throws IOException {
                body.writeTo(sink.outputStream());
            }
        };
    }

    private CompletableFuture<UpstreamReply> send(Operation operation, RequestBody body, Map<String, String> headers) {
        CompletableFuture<UpstreamReply> result = new CompletableFuture<>();
        Call call = unary.newCall(request(operation, body, headers, false));
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                // OkHttp's call timeout also cancels the call; only a cancelled future means the caller left.
                result.completeExceptionally(classify(e, result.isCancelled()));
            }

            @Override
            public void onResponse(Call c, Response response) {
                try (response) {
                    if (!response.isSuccessful()) {
                        result.completeExceptionally(statusFailure(response));
                        return;
                    }
                    ResponseBody rb = response.body();
                    MediaType type = rb.contentType();
                    result.complete(new UpstreamReply(response.code(), rb.bytes(),
                            type == null ? "application/json" : type.toString()));
                } catch (IOException e) {
                    result.completeExceptionally(classify(e, result.isCancelled()));
                }
            }
        });
        // Cancelling the future (client gone) cancels the upstream call.
        result.whenComplete((r, t) -> {
            if (result.isCancelled()) {
                call.cancel();
            }
        });
        return result;
    }

    @Override
    public UpstreamStream stream(byte[] body, boolean forwardUsageChunk, StreamSink sink) {
        return stream(body, forwardUsageChunk, sink, Map.of());
    }

    @Override
    public UpstreamStream stream(byte[] body, boolean forwardUsageChunk, StreamSink sink,
            Map<String, String> headers) {
        return stream(RequestBody.create(body, JSON_TYPE), forwardUsageChunk, sink, headers);
    }

    @Override
    public UpstreamStream stream(UpstreamBody body, boolean forwardUsageChunk, StreamSink sink,
            Map<String, String> headers) {
        return stream(pieces(body), forwardUsageChunk, sink, headers);
    }

    private UpstreamStream stream(RequestBody body, boolean forwardUsageChunk, StreamSink sink,
            Map<String, String> headers) {
        Call call = streaming.newCall(request(Operation.CHAT, body, headers, true));
        StreamWatchdog.Guard guard = watchdog.watch(spec.name(), spec.limits(), call::cancel);
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                guard.done();
                sink.onFailure(guard.classify(e, OpenAiBackend.this::classify), 0);
            }

            @Override
            public void onResponse(Call c, Response response) {
                try (response) {
                    if (!response.isSuccessful()) {
                        guard.done();
                        sink.onFailure(statusFailure(response), 0);
                        return;
                    }
                    if (SseRelay.isWholeAnswer(response.header("Content-Type"))) {
                        // A server that ignores stream: true: its whole answer, relayed as the stream it stands for.
                        String whole;
                        try {
                            whole = response.body().string();
                        } catch (IOException e) {
                            guard.done();
                            sink.onFailure(guard.classify(e, OpenAiBackend.this::classify), 0);
                            return;
                        }
                        guard.done();
                        new SseRelay(spec.name(), forwardUsageChunk, sink, () -> { }).whole(whole);
                        return;
                    }
                    relay(guard, response.body().source(), forwardUsageChunk, sink);
                } finally {
                    guard.done();
                }
            }
        });
        return guard::abandon;
    }

    /** Reads SSE lines and hands each {@code data:} payload on; the thread blocks here, never an event loop. */
    private void relay(StreamWatchdog.Guard guard, BufferedSource source, boolean forwardUsageChunk,
            StreamSink sink) {
        SseRelay relay = new SseRelay(spec.name(), forwardUsageChunk, sink, guard::onEvent);
        try {
            while (!relay.ended()) {
                String line = source.readUtf8Line();
                if (line == null) {
                    relay.eof();
                    return;
                }
                if (relay.line(line) && source.getBuffer().size() == 0) {
                    sink.onIdle(); // the next read may block: let what was relayed go out now
                }
            }
        } catch (IOException e) {
            UpstreamFailure failure = guard.classify(e, this::classify);
            if (failure.kind() == UpstreamFailure.Kind.IO) {
                failure = relay.cut(describe(e), e);
            }
            sink.onFailure(failure, relay.delivered());
        }
    }

    private UpstreamFailure statusFailure(Response response) {
        String text;
        try {
            text = response.peekBody(MAX_ERROR_BODY).string();
        } catch (IOException e) {
            text = "";
        }
        return new UpstreamFailure(UpstreamFailure.Kind.STATUS, spec.name(), "backend '" + spec.name()
                + "' answered HTTP " + response.code(), response.code(), text,
                retryAfter(response.header("Retry-After"), clock), null);
    }

    /** A {@code Retry-After} header's delay (seconds, or an HTTP date from now on {@code clock}), or null. */
    public static Duration retryAfter(String header, java.time.Clock clock) {
        if (header == null) {
            return null;
        }
        try {
            long seconds = Long.parseLong(header.trim());
            return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
        } catch (NumberFormatException e) {
            try {
                var when = java.time.ZonedDateTime.parse(header.trim(),
                        java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), when.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (java.time.format.DateTimeParseException ignored) {
                return null;
            }
        }
    }

    /** @param cancelled whether the caller itself gave up on the call (then nobody waits for the failure) */
    private UpstreamFailure classify(IOException e, boolean cancelled) {
        String name = spec.name();
        if (cancelled) {
            return new UpstreamFailure(UpstreamFailure.Kind.CANCELLED, name, "call to backend '" + name
                    + "' was cancelled", 0, null, null, e);
        }
        if (e instanceof ConnectException || e instanceof UnknownHostException) {
            return new UpstreamFailure(UpstreamFailure.Kind.CONNECT, name, "cannot connect to backend '" + name
                    + "': " + describe(e), 0, null, null, e);
        }
        String text = describe(e).toLowerCase(java.util.Locale.ROOT);
        if (e instanceof SocketTimeoutException && text.contains("connect")) {
            return new UpstreamFailure(UpstreamFailure.Kind.CONNECT, name, "cannot connect to backend '" + name
                    + "' within " + spec.limits().connectTimeout().toMillis() + " ms", 0, null, null, e);
        }
        if (e instanceof InterruptedIOException && !(e instanceof SocketTimeoutException)) {
            // OkHttp's call timeout: the whole call took longer than total-timeout.
            return new UpstreamFailure(UpstreamFailure.Kind.TOTAL_TIMEOUT, name, "backend '" + name
                    + "' did not answer within its total time of " + spec.limits().totalTimeout().toMillis() + " ms",
                    0, null, null, e);
        }
        if (e instanceof SocketTimeoutException) {
            return new UpstreamFailure(UpstreamFailure.Kind.TIMEOUT, name, "backend '" + name + "' timed out: "
                    + describe(e), 0, null, null, e);
        }
        return new UpstreamFailure(UpstreamFailure.Kind.IO, name, "I/O error talking to backend '" + name + "': "
                + describe(e), 0, null, null, e);
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
