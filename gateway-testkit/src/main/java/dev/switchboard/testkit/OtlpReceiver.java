package dev.switchboard.testkit;

import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * An OTLP/HTTP trace receiver on a real port, for tests: what an OpenTelemetry collector would get. It accepts
 * {@code POST /v1/traces} with a protobuf {@code ExportTraceServiceRequest} — decoded with the OpenTelemetry proto
 * classes, not by hand — and keeps every span it received, with its resource's {@code service.name}.
 */
public final class OtlpReceiver implements AutoCloseable {
    /** One received span, its ids in hex as the W3C {@code traceparent} writes them. */
    public record ReceivedSpan(String service, String traceId, String spanId, String parentSpanId, String name,
            Span.SpanKind kind, Map<String, Object> attributes, boolean error, String statusMessage) {
        public Object attribute(String key) {
            return attributes.get(key);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final Spans spans;

    private OtlpReceiver(boolean keep) {
        this.spans = new Spans(keep);
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec()).addLast(new HttpObjectAggregator(16 << 20))
                                .addLast(new Handler());
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
    }

    /** A receiver that keeps every span, for tests to look at. */
    public static OtlpReceiver start() {
        return new OtlpReceiver(true);
    }

    /** A receiver that decodes and counts spans but keeps none: a sink for load benchmarks. */
    public static OtlpReceiver counting() {
        return new OtlpReceiver(false);
    }

    /** How many spans were received in all. */
    public long received() {
        return spans.received.get();
    }

    /** The URL to export traces to ({@code http/protobuf}). */
    public String endpoint() {
        return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/v1/traces";
    }

    /** Every span received so far, in the order they came. */
    public List<ReceivedSpan> spans() {
        return spans.list();
    }

    public void clear() {
        spans.spans.clear();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            HttpResponseStatus status = HttpResponseStatus.OK;
            byte[] body = new byte[0];
            if (!request.method().equals(HttpMethod.POST) || !request.uri().startsWith("/v1/traces")) {
                status = HttpResponseStatus.NOT_FOUND;
            } else {
                try {
                    spans.receive(ExportTraceServiceRequest.parseFrom(ByteBufUtil.getBytes(request.content())));
                    body = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                } catch (InvalidProtocolBufferException e) {
                    status = HttpResponseStatus.BAD_REQUEST;
                }
            }
            DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/x-protobuf")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        }
    }

    /** The spans of exports, decoded with the OpenTelemetry proto classes; shared with {@link OtlpGrpcReceiver}. */
    static final class Spans {
        final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
        /** Whether received spans are kept ({@link #start()}) or only counted ({@link #counting()}). */
        private final boolean keep;
        final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();

        Spans(boolean keep) {
            this.keep = keep;
        }

        List<ReceivedSpan> list() {
            return List.copyOf(spans);
        }

        void receive(ExportTraceServiceRequest export) {
            HexFormat hex = HexFormat.of();
            for (ResourceSpans rs : export.getResourceSpansList()) {
                String service = "";
                for (KeyValue kv : rs.getResource().getAttributesList()) {
                    service = kv.getKey().equals("service.name") ? kv.getValue().getStringValue() : service;
                }
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    received.addAndGet(ss.getSpansCount());
                    if (!keep) {
                        continue;
                    }
                    for (Span s : ss.getSpansList()) {
                        Map<String, Object> attributes = new LinkedHashMap<>();
                        for (KeyValue kv : s.getAttributesList()) {
                            attributes.put(kv.getKey(), value(kv.getValue()));
                        }
                        spans.add(new ReceivedSpan(service, hex.formatHex(s.getTraceId().toByteArray()),
                                hex.formatHex(s.getSpanId().toByteArray()), hex.formatHex(s.getParentSpanId().toByteArray()),
                                s.getName(), s.getKind(), attributes,
                                s.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR,
                                s.getStatus().getMessage()));
                    }
                }
            }
        }
    }

    private static Object value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> v.getBoolValue();
            case INT_VALUE -> v.getIntValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            case ARRAY_VALUE -> {
                List<Object> items = new ArrayList<>();
                v.getArrayValue().getValuesList().forEach(item -> items.add(value(item)));
                yield items;
            }
            default -> v.toString();
        };
    }
}
