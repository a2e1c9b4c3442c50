package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.CallRecord;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.server.telemetry.AccessLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Shedding at the edge, on the loop's own (frozen) clock: a model call that arrives while the event loop runs late is
 * answered 503 at its headers, its body is dropped, and the connection serves the next request.
 */
class EdgeShedTest {
    private final List<CallRecord> records = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private Gateway gateway;
    private EmbeddedChannel channel;
    /** What got past the edge to the API handler's place. */
    private final List<FullHttpRequest> passed = new CopyOnWriteArrayList<>();

    private void start(String overload) {
        gateway = Gateway.create(ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: inhouse, base-url: "http://127.0.0.1:9/v1", model: small, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [inhouse] } ] }
                resilience: { overload: %s }
                """.formatted(overload), "test"), GatewayOptions.defaults().withMeters(meters)
                .withCallListener(records::add));
        Readiness readiness = new Readiness();
        ApiHandler api = new ApiHandler(() -> gateway, readiness, io.opentelemetry.api.OpenTelemetry.noop(), AccessLog.OFF);
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline()
                .addLast(new HttpServerKeepAliveHandler())
                .addLast(new EdgeShedHandler(() -> gateway, readiness, api, new LoopDelay.PerLoop()))
                .addLast(new JsonObjectAggregator(1 << 20, AccessLog.OFF, java.util.function.UnaryOperator.identity()))
                .addLast(new PipelineSequencer())
                .addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        passed.add((FullHttpRequest) msg);
                    }
                });
    }

    @AfterEach
    void close() {
        passed.forEach(FullHttpRequest::release);
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private static DefaultHttpRequest post(String path) {
        DefaultHttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json").set(HttpResponses.REQUEST_ID, "req-1");
        return r;
    }

    private static ByteBuf json(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    /** Sends a whole request, headers and one body part. */
    private void send(String path) {
        channel.writeInbound(post(path));
        channel.writeInbound(new DefaultLastHttpContent(json("{\"model\":\"chat\",\"messages\":[]}")));
    }

    /** Sends a whole request and, when it got past the edge, answers it (200) as the API handler would. */
    private void call(String path) {
        int before = passed.size();
        send(path);
        if (passed.size() > before) {
            answer();
        }
        drainOutbound();
    }

    private void drainOutbound() {
        Object out;
        while ((out = channel.readOutbound()) != null) {
            io.netty.util.ReferenceCountUtil.release(out);
        }
    }

    private void answer() {
        FullHttpResponse ok = new io.netty.handler.codec.http.DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                io.netty.handler.codec.http.HttpResponseStatus.OK);
        ok.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0); // kept alive
        channel.writeOutbound(ok);
        channel.runPendingTasks();
        drainOutbound();
    }

    /** The loop gets to each probe {@code lateMillis} after its time, {@code probes} times. */
    private void runLate(double lateMillis, int probes) {
        for (int i = 0; i < probes; i++) {
            channel.advanceTimeBy(LoopDelay.PERIOD_NANOS + (long) (lateMillis * 1e6), TimeUnit.NANOSECONDS);
            channel.runScheduledPendingTasks();
        }
    }

    private double edgeSheds() {
        return meters.get("switchboard.requests.shed").tag("scope", "edge").counter().count();
    }

    @Test
    void aCallArrivingWhileTheLoopRunsLateIsShedAtItsHeadersAndItsBodyDropped() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        call("/v1/chat/completions"); // starts the probes; the loop was on time
        assertThat(passed).hasSize(1);
        passed.remove(0).release();
        runLate(3, 8); // a standing queue: every probe 3 ms late for more than 5 x 2 ms

        channel.writeInbound(post("/v1/chat/completions"));
        FullHttpResponse shed = channel.readOutbound();
        try {
            assertThat(shed.status().code()).isEqualTo(503);
            assertThat(shed.headers().get(HttpHeaderNames.RETRY_AFTER)).isEqualTo("1");
            assertThat(shed.headers().get(HttpResponses.REQUEST_ID)).isEqualTo("req-1");
            String body = shed.content().toString(StandardCharsets.UTF_8);
            assertThat(body).contains("\"code\":\"overloaded\"").contains("\"request_id\":\"req-1\"")
                    .contains("event loop runs 3.");
        } finally {
            shed.release();
        }
        // The body that follows is read and dropped, not passed on and not leaked.
        ByteBuf part = json("{\"model\":\"chat\",");
        ByteBuf rest = json("\"messages\":[]}");
        channel.writeInbound(new DefaultHttpContent(part));
        channel.writeInbound(new DefaultLastHttpContent(rest));
        assertThat(part.refCnt()).isZero();
        assertThat(rest.refCnt()).isZero();
        assertThat(passed).isEmpty();
        assertThat(edgeSheds()).isEqualTo(1);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.error()).isEqualTo("overloaded");
            assertThat(r.requestId()).isEqualTo("req-1");
            assertThat(r.attempts()).isEmpty();
        });

        // The loop catches up: the connection, still open, serves the next request.
        runLate(0, 2);
        call("/v1/chat/completions");
        assertThat(channel.isActive()).isTrue();
        assertThat(passed).hasSize(1);
    }

    @Test
    void aPauseAndTheCatchingUpAfterItAreNotABacklog() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        call("/v1/chat/completions");
        runLate(0, 1);
        runLate(10, 1); // a collection, say
        runLate(3, 2); // and 7 ms of catching up: still admitted
        call("/v1/chat/completions");
        runLate(0, 1);
        runLate(3, 2);
        call("/v1/chat/completions");
        assertThat(passed).hasSize(3);
        assertThat(edgeSheds()).isZero();
    }

    @Test
    void aLongPauseDrainingAtHalfLoadIsNotABacklogButAQueueThatStopsDrainingIs() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        call("/v1/chat/completions");
        runLate(0, 1);
        // A 30 ms pause, then its backlog drains: each probe still late, each less than the last, for ~30 ms.
        for (double late : new double[] {30, 12, 6, 4, 3, 2.5}) {
            runLate(late, 1);
        }
        call("/v1/chat/completions"); // admitted: the delay shrank all the way
        assertThat(passed).hasSize(2);
        runLate(0, 1);
        // Late by 3 ms and then more: a queue that stands or grows is a backlog after 5 x 2 ms.
        for (double late = 3; late < 7; late += 0.5) {
            runLate(late, 1);
        }
        call("/v1/chat/completions");
        assertThat(passed).hasSize(2);
        assertThat(edgeSheds()).isEqualTo(1);
    }

    @Test
    void aQueueThatShrinksAndThenGrowsAgainIsABacklog() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        call("/v1/chat/completions");
        runLate(0, 1);
        for (double late : new double[] {30, 5, 8, 12, 14}) { // below the first, but growing again
            runLate(late, 1);
        }
        call("/v1/chat/completions");
        assertThat(passed).hasSize(1);
        assertThat(edgeSheds()).isEqualTo(1);
    }

    @Test
    void aQueueThatDrainsSlowerThanCodelsIntervalIsABacklogAllTheSame() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        call("/v1/chat/completions");
        runLate(0, 1);
        runLate(40, 1);
        runLate(38, 1);
        runLate(36, 1); // late for 76 ms, and draining: still admitted
        call("/v1/chat/completions");
        assertThat(passed).hasSize(2);
        runLate(34, 1); // late for 111 ms: a queue draining this slowly stands
        call("/v1/chat/completions");
        assertThat(passed).hasSize(2);
        assertThat(edgeSheds()).isEqualTo(1);
    }

    @Test
    void theLoopIsLateWhileItsProbesAreAndOnTimeAtTheFirstProbeOnTime() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        call("/v1/chat/completions");
        runLate(3, 4); // 10.5 ms of late probes: late from the fourth
        call("/v1/chat/completions"); // shed
        runLate(3, 1);
        call("/v1/chat/completions"); // still late: shed
        runLate(0, 1); // caught up
        call("/v1/chat/completions");
        runLate(3, 2); // late again, but not for 10 ms yet
        call("/v1/chat/completions");
        assertThat(passed).hasSize(3);
        assertThat(edgeSheds()).isEqualTo(2);
    }

    @Test
    void aLoopOnTimeOrOnlySlightlyLateAdmitsEverything() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        for (int i = 0; i < 5; i++) {
            call("/v1/chat/completions");
            runLate(1.5, 2);
        }
        assertThat(passed).hasSize(5);
        assertThat(edgeSheds()).isZero();
    }

    @Test
    void withoutAnOverloadLimitOrWithTheDelayAtZeroNothingIsShedAtTheEdge() {
        start("{ limit: off }");
        call("/v1/chat/completions");
        runLate(20, 3);
        call("/v1/chat/completions");
        assertThat(passed).hasSize(2);
        close();
        passed.clear();
        records.clear();

        start("{ limit: adaptive, max-queue-delay: 0s }");
        call("/v1/chat/completions");
        runLate(20, 3);
        call("/v1/chat/completions");
        assertThat(passed).hasSize(2);
    }

    @Test
    void onlyModelCallsAreShedAndNeverOneBehindAnAnswerInProgress() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        send("/v1/chat/completions"); // held by the handler after the edge: being answered
        runLate(5, 6);
        send("/v1/embeddings"); // pipelined behind it: it must keep its place, so it waits instead of a 503
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(passed).hasSize(1);

        // Once the first is answered the second goes on to the gateway.
        answer();
        assertThat(passed).hasSize(2);
        answer();

        // A request for the model list is never shed at the edge, late loop or not.
        runLate(5, 2);
        DefaultHttpRequest models = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/v1/models");
        channel.writeInbound(models);
        channel.writeInbound(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(passed).hasSize(3);
        assertThat(edgeSheds()).isZero();
    }

    @Test
    void aRequestThatClosesOrAwaitsContinueIsLeftToTheGatewaysLimit() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        call("/v1/chat/completions");
        runLate(3, 8);
        DefaultHttpRequest closing = post("/v1/chat/completions");
        closing.headers().set(HttpHeaderNames.CONNECTION, "close"); // a 503 then a close could be reset away
        channel.writeInbound(closing);
        channel.writeInbound(new DefaultLastHttpContent(json("{\"model\":\"chat\",\"messages\":[]}")));
        assertThat(passed).hasSize(2);
        assertThat(edgeSheds()).isZero();
    }

    @Test
    void aBodyTheCodecCannotReadWhileDroppedClosesTheConnection() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        call("/v1/chat/completions");
        runLate(3, 8);
        channel.writeInbound(post("/v1/chat/completions"));
        drainOutbound(); // the 503
        ByteBuf part = json("zz");
        DefaultHttpContent broken = new DefaultHttpContent(part);
        broken.setDecoderResult(io.netty.handler.codec.DecoderResult.failure(new IllegalStateException("bad chunk")));
        channel.writeInbound(broken);
        assertThat(part.refCnt()).isZero();
        assertThat(channel.isActive()).isFalse();
    }

    @Test
    void aLoopSoLateThatRequestsComeRarelyStillCountsAsLate() {
        start("{ limit: adaptive, max-queue-delay: 2ms }");
        call("/v1/chat/completions");
        runLate(100, 3); // 100 ms late each time: no request read for longer than the idle time, yet not idle
        call("/v1/chat/completions");
        assertThat(passed).hasSize(1);
        assertThat(edgeSheds()).isEqualTo(1);
    }
}
