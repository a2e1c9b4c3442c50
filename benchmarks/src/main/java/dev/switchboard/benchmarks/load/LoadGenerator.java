package dev.switchboard.benchmarks.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A load generator on one Netty event loop, in the manner of wrk2: requests are scheduled at a constant rate
 * whatever the server does (open model), sent on a fixed set of keep-alive connections, and timed from when they
 * were <em>meant</em> to start — coordinated omission corrected by construction. With {@code rate <= 0} it runs
 * closed-loop instead: every connection sends its next request as soon as the last one is answered, which
 * measures the highest throughput at that connection count.
 *
 * <p>All state lives on the one event loop thread, so nothing here is synchronised.
 */
public final class LoadGenerator implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private final String host;
    private final int port;
    /** Connections kept open from round to round, or null when each round opens and closes its own. */
    private final List<Connection> kept;

    public LoadGenerator(String host, int port) {
        this(host, port, false);
    }

    /**
     * @param keepConnections keep the connections open from one round to the next, as a client's pool does for
     *                        hours: whatever a server keeps per connection then piles up where a run can see it,
     *                        instead of being freed when each round closes its connections
     */
    public LoadGenerator(String host, int port, boolean keepConnections) {
        this.host = host;
        this.port = port;
        this.kept = keepConnections ? new ArrayList<>() : null;
    }

    /**
     * The request every round sends: a POST of a fixed JSON body. A streamed answer counts as a success only when
     * it ends with {@code data: [DONE]}; a stream cut with an error event is an error.
     */
    public record Workload(String path, List<byte[]> bodies, List<String[]> headers, boolean stream) {
        /** One body, sent every time. */
        public Workload(String path, byte[] body, List<String[]> headers, boolean stream) {
            this(path, List.of(body), headers, stream);
        }
    }



    public LoadResult run(Workload workload, double rate, int connections, Duration duration) throws Exception {
        Round round = new Round(workload, rate, duration);
        List<Channel> channels = new ArrayList<>();
        int reused = kept == null ? 0 : loop.submit(() -> {
            // The connections the last round left open (those the server closed are gone from the list) serve this one.
            kept.removeIf(c -> c.channel == null || !c.channel.isActive());
            for (Connection c : kept.subList(0, Math.min(connections, kept.size()))) {
                c.round = round;
                round.idle.add(c);
            }
            return Math.min(connections, kept.size());
        }).get();
        Bootstrap b = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Connection c = new Connection(round);
                        if (kept != null) {
                            kept.add(c);
                        }
                        ch.pipeline().addLast(new HttpClientCodec()).addLast(c);
                    }
                });
        for (int i = reused; i < connections; i++) {
            channels.add(b.connect(host, port).sync().channel());
        }
        loop.submit(round::start).sync();
        LoadResult result = round.done.get(duration.toSeconds() + 120, TimeUnit.SECONDS);
        if (kept == null) {
            for (Channel c : channels) {
                c.close().sync();
            }
        }
        return result;
    }

    /** One timed round: the schedule, the queue of due requests, the idle connections and the histograms. */
    private final class Round {
        final Workload workload;
        final double rate;
        final long durationNanos;
        final Histogram total = LoadResult.newHistogram();
        final Histogram firstByte = LoadResult.newHistogram();
        final ArrayDeque<Long> due = new ArrayDeque<>();
        final ArrayDeque<Connection> idle = new ArrayDeque<>();
        final CompletableFuture<LoadResult> done = new CompletableFuture<>();
        long startNanos;
        long scheduled;
        long sent;
        long completed;
        long errors;
        long shed;
        final Histogram shedTotal = LoadResult.newHistogram();
        final Histogram sendLag = LoadResult.newHistogram();
        final Histogram shedFromSend = LoadResult.newHistogram();
        int inFlight;
        boolean stopped;

        Round(Workload workload, double rate, Duration duration) {
            this.workload = workload;
            this.rate = rate;
            this.durationNanos = duration.toNanos();
        }

        void start() {
            startNanos = System.nanoTime();
            if (rate > 0) {
                // A plain thread keeps the schedule: the event loop's timer wheel is too coarse for sub-ms gaps.
                Thread t = new Thread(() -> {
                    while (!stopped && !done.isDone()) {
                        loop.execute(this::tick);
                        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                    }
                }, "load-ticker");
                t.setDaemon(true);
                t.start();
            } else {
                loop.schedule(this::stop, durationNanos, TimeUnit.NANOSECONDS);
                for (Connection c : List.copyOf(idle)) {
                    idle.remove(c);
                    send(c, System.nanoTime());
                }
            }
        }

        /** Adds every request due by now, each stamped with its intended start, and dispatches. */
        void tick() {
            if (stopped) {
                return;
            }
            long now = System.nanoTime();
            // Request i is due at start + i/rate: all those with i <= elapsed * rate are due now.
            long total = (long) Math.ceil(durationNanos / 1e9 * rate);
            long shouldHave = Math.min(total, (long) Math.floor((now - startNanos) / 1e9 * rate) + 1);
            while (scheduled < shouldHave) {
                due.add(startNanos + (long) (scheduled * 1e9 / rate));
                scheduled++;
            }
            dispatch();
            if (now - startNanos >= durationNanos) {
                stop();
            }
        }

        void dispatch() {
            while (!due.isEmpty() && !idle.isEmpty()) {
                send(idle.poll(), due.poll());
            }
        }

        void send(Connection c, long intended) {
            inFlight++;
            c.send(intended);
        }

        void stop() {
            if (stopped) {
                return;
            }
            stopped = true;
            // Requests still queued were due inside the round: they are still sent and timed from when they were
            // due, so a server that fell behind shows it in the latency, not in a shorter list.
            finishIfDrained();
        }

        void finishIfDrained() {
            if (stopped && inFlight == 0 && due.isEmpty() && !done.isDone()) {
                long end = System.nanoTime();
                done.complete(new LoadResult(completed, errors, (end - startNanos) / 1e9, total, firstByte, shed,
                        shedTotal, sendLag, shedFromSend));
            }
        }

        void answered(Connection c, boolean ok, int status, long intended, long sentNanos, long firstByteNanos) {
            inFlight--;
            long now = System.nanoTime();
            if (ok) {
                completed++;
                total.recordValue(Math.max(1, (now - intended) / 1000));
                firstByte.recordValue(Math.max(1, (firstByteNanos - intended) / 1000));
            } else {
                errors++;
                if (status == 503) {
                    shed++;
                    shedTotal.recordValue(Math.max(1, (now - intended) / 1000));
                    shedFromSend.recordValue(Math.max(1, (now - sentNanos) / 1000));
                }
            }
            if (!c.channel.isActive()) {
                finishIfDrained();
                return; // a closed connection takes no more work; the others carry on
            }
            if (rate > 0) {
                idle.add(c);
                dispatch();
                finishIfDrained();
            } else if (stopped) {
                finishIfDrained();
            } else {
                send(c, System.nanoTime());
            }
        }
    }

    /** One keep-alive connection; sends a request when told and reports the answer to the round. */
    private final class Connection extends SimpleChannelInboundHandler<HttpObject> {
        /** The round this connection works for; a kept connection moves on to the next. On the loop only. */
        private Round round;
        private Channel channel;
        private long intended;
        private long sent;
        private long firstByte;
        private int status;
        private boolean busy;
        private boolean sawDone;
        private String tail = "";

        Connection(Round round) {
            this.round = round;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            round.idle.add(this);
            ctx.fireChannelActive();
        }

        void send(long intendedStart) {
            busy = true;
            intended = intendedStart;
            firstByte = 0;
            sawDone = false;
            tail = "";
            List<byte[]> bodies = round.workload.bodies();
            ByteBuf body = Unpooled.wrappedBuffer(bodies.get((int) (round.sent++ % bodies.size())));
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                    round.workload.path(), body);
            request.headers().set(HttpHeaderNames.HOST, host)
                    .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            for (String[] h : round.workload.headers()) {
                request.headers().set(h[0], h[1]);
            }
            channel.writeAndFlush(request);
            sent = System.nanoTime();
            round.sendLag.recordValue(Math.max(1, (sent - intendedStart) / 1000));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpResponse r) {
                status = r.status().code();
            }
            if (msg instanceof HttpContent c && c.content().isReadable()) {
                if (firstByte == 0) {
                    firstByte = System.nanoTime();
                }
                if (round.workload.stream() && !sawDone) {
                    // "[DONE]" may be split across reads: look at the tail of the previous chunk too.
                    ByteBuf content = c.content();
                    tail = tail + content.toString(Math.max(content.readerIndex(), content.writerIndex() - 64),
                            Math.min(64, content.readableBytes()), java.nio.charset.StandardCharsets.US_ASCII);
                    sawDone = tail.contains("data: [DONE]");
                    tail = tail.substring(Math.max(0, tail.length() - 16));
                }
            }
            if (msg instanceof LastHttpContent) {
                busy = false;
                if (firstByte == 0) {
                    firstByte = System.nanoTime();
                }
                boolean ok = status >= 200 && status < 300 && (!round.workload.stream() || sawDone);
                round.answered(this, ok, status, intended, sent, firstByte);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            round.idle.remove(this);
            if (busy) {
                busy = false;
                round.answered(this, false, 0, intended, sent, System.nanoTime());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public void close() {
        if (kept != null) {
            try {
                loop.submit(() -> kept.forEach(c -> {
                    if (c.channel != null) {
                        c.channel.close();
                    }
                })).sync();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
