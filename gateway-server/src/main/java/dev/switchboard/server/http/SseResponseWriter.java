package dev.switchboard.server.http;

import dev.switchboard.core.GatewayException;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.routing.RoutingDecision;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Writes one streamed completion to the client as SSE, so that a slow client slows the upstream read instead of
 * filling memory. Called on the upstream's reader thread: an OkHttp reader thread is parked while the client's
 * channel is not writable; a Netty upstream (on an event loop, which must never park) asks {@link #ready} and
 * stops reading until {@link #whenReady} calls it back.
 */
final class SseResponseWriter implements StreamListener {
    private static final long WRITABILITY_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final Channel channel;
    private final String requestId;
    private final boolean keepAlive;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition writable = lock.newCondition();
    /** Events not yet handed to the channel; touched only by the upstream reader thread. */
    private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream(1024);
    private static final int FLUSH_BYTES = 16 * 1024;
    private boolean firstSent;
    private volatile String cacheStatus = "bypass";

    /** The request's server span, ended with the stream; null when the request is not traced. */
    private final ServerSpan span;

    SseResponseWriter(Channel channel, String requestId, boolean keepAlive, ServerSpan span) {
        this.channel = channel;
        this.requestId = requestId;
        this.keepAlive = keepAlive;
        this.span = span;
    }

    private String traceId() {
        return span == null ? null : span.traceId();
    }

    /** Stands for "the stream has ended" in {@link #clientGone}. */
    private static final ChannelFutureListener ENDED = f -> { };
    /** The hook on the client's connection while the stream runs; {@link #ENDED} once it has ended. */
    private final java.util.concurrent.atomic.AtomicReference<ChannelFutureListener> clientGone =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * Runs {@code onClientGone} if the client's connection closes before this stream ends. The listener is taken off
     * the connection when the stream ends: a kept-alive connection lives for many streams, and a listener left on its
     * close future for each one kept every finished stream's exchange — its request and body — until the client
     * disconnected (an {@code OutOfMemoryError} after a few thousand long prompts on 64 pooled connections).
     */
    void whileOpen(Runnable onClientGone) {
        ChannelFutureListener l = f -> onClientGone.run();
        if (!clientGone.compareAndSet(null, l)) {
            return; // it ended before this was called (a cache hit, a refusal)
        }
        channel.closeFuture().addListener(l);
        if (clientGone.get() == ENDED) {
            channel.closeFuture().removeListener(l); // it ended while the listener was being added
        }
    }

    /** The stream has ended: the connection no longer needs to tell it when the client leaves. */
    private void over() {
        ChannelFutureListener l = clientGone.getAndSet(ENDED);
        if (l != null && l != ENDED) {
            channel.closeFuture().removeListener(l);
        }
    }

    private void ended(int status, String errorType) {
        if (span != null) {
            span.end(status, errorType);
        }
    }

    /** Upstreams waiting to read again, run once the channel drains (or closes). */
    private final java.util.Queue<Runnable> resumes = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** Called by the handler when the channel's writability changes, and when it closes. */
    void writabilityChanged() {
        lock.lock();
        try {
            writable.signalAll();
        } finally {
            lock.unlock();
        }
        if (ready()) {
            for (Runnable r; (r = resumes.poll()) != null; ) {
                r.run();
            }
        }
    }

    @Override
    public boolean ready() {
        return channel.isWritable() || !channel.isActive();
    }

    @Override
    public void whenReady(Runnable resume) {
        resumes.add(resume);
        if (ready()) {
            writabilityChanged(); // drained meanwhile: do not wait for an event that already happened
        }
    }

    @Override
    public void onCache(dev.switchboard.core.cache.CacheStatus status) {
        cacheStatus = status.wire();
    }

    @Override
    public void onStart(RoutingDecision decision, String backend) {
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpResponses.EVENT_STREAM)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set(HttpResponses.REQUEST_ID, requestId)
                .set(HttpResponses.BACKEND, backend)
                .set(HttpResponses.CACHE, cacheStatus);
        if (decision != null) {
            response.headers()
                    .set(HttpResponses.ROUTE, decision.route())
                    .set(HttpResponses.RULE, decision.ruleIndex())
                    .set(HttpResponses.DECISION_ID, decision.id())
                    .set(HttpResponses.DECISION, decision.summary());
        } else {
            response.headers().set(HttpResponses.DECISION, "answered from the cache");
        }
        HttpUtil.setTransferEncodingChunked(response, true);
        HttpUtil.setKeepAlive(response, keepAlive);
        channel.write(response);
    }

    /**
     * Events are gathered here on the reader thread and handed to the event loop once per burst ({@link #onIdle}):
     * a write from another thread is a task on the loop, and one per event would cost a wake-up each.
     */
    @Override
    public void onEvent(String data) {
        awaitWritable();
        if (!channel.isActive()) {
            return;
        }
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        pending.writeBytes(HttpResponses.DATA_PREFIX);
        pending.writeBytes(bytes);
        pending.writeBytes(HttpResponses.EVENT_END);
        // The first token goes out at once (time to first token is what users feel); later ones per burst.
        if (!firstSent || pending.size() >= FLUSH_BYTES) {
            firstSent = true;
            onIdle();
        }
    }

    @Override
    public void onIdle() {
        ByteBuf out = takePending();
        if (out != null) {
            writeOrRelease(out, true);
        }
    }

    /**
     * The gathered events as one buffer, or null. They are gathered in a plain byte array (not a pooled buffer)
     * so that a stream abandoned half-way leaves nothing to release.
     */
    private ByteBuf takePending() {
        if (pending.size() == 0) {
            return null;
        }
        ByteBuf out = Unpooled.wrappedBuffer(pending.toByteArray());
        pending.reset();
        return out;
    }

    private void writeOrRelease(ByteBuf out, boolean flush) {
        if (!channel.isActive()) {
            out.release();
            return;
        }
        if (flush) {
            channel.writeAndFlush(new DefaultHttpContent(out));
        } else {
            channel.write(new DefaultHttpContent(out));
        }
    }

    @Override
    public void onComplete(Usage usage, String finishReason) {
        over();
        ByteBuf out = takePending();
        if (out != null) {
            writeOrRelease(out, false);
        }
        channel.write(new DefaultHttpContent(Unpooled.wrappedBuffer(HttpResponses.DONE)));
        ended(200, null); // before the last bytes go: a client that has them may look for the trace at once
        finish();
    }

    @Override
    public void onError(GatewayException error, boolean started) {
        over();
        if (!started) {
            channel.attr(ClientIdleHandler.ANSWERING).set(false);
            var response = HttpResponses.error(error, requestId, traceId());
            HttpUtil.setKeepAlive(response, keepAlive);
            ended(error.status(), error.kind().code());
            var f = channel.writeAndFlush(response);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        ByteBuf held = takePending();
        if (held != null) {
            writeOrRelease(held, false);
        }
        // Headers and part of the answer are out: the only honest end is an error event and no [DONE].
        byte[] body = HttpResponses.errorBody(error, requestId, traceId()).toString()
                .getBytes(StandardCharsets.UTF_8);
        ByteBuf buf = channel.alloc().buffer(body.length + 24);
        buf.writeBytes(HttpResponses.ERROR_EVENT).writeBytes(HttpResponses.DATA_PREFIX).writeBytes(body)
                .writeBytes(HttpResponses.EVENT_END);
        channel.write(new DefaultHttpContent(buf));
        ended(200, "stream_cut");
        finish();
    }

    private void finish() {
        channel.attr(ClientIdleHandler.ANSWERING).set(false);
        var f = channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private void awaitWritable() {
        if (channel.isWritable() || !channel.isActive()
                || Thread.currentThread() instanceof io.netty.util.concurrent.FastThreadLocalThread) {
            return; // an event loop never parks: a Netty upstream stops reading instead (see ready())
        }
        lock.lock();
        try {
            while (!channel.isWritable() && channel.isActive()) {
                writable.awaitNanos(WRITABILITY_WAIT_NANOS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }
}
