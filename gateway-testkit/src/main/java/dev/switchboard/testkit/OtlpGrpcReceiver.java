package dev.switchboard.testkit;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An OTLP/gRPC trace receiver on a real port: a real gRPC server (grpc-java) serving the collector's
 * {@code TraceService/Export} from the OpenTelemetry proto classes, as an OpenTelemetry collector on port 4317 does.
 * Keeps the spans it receives, decoded the same way as {@link OtlpReceiver}'s. Needs grpc-java on the class path
 * (optional dependencies of the testkit: {@code grpc-netty-shaded}, {@code grpc-stub}, {@code grpc-protobuf}).
 */
public final class OtlpGrpcReceiver implements AutoCloseable {
    private final OtlpReceiver.Spans spans = new OtlpReceiver.Spans(true);
    private final Server server;

    private OtlpGrpcReceiver() {
        try {
            this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(new TraceServiceGrpc.TraceServiceImplBase() {
                        @Override
                        public void export(ExportTraceServiceRequest request,
                                StreamObserver<ExportTraceServiceResponse> response) {
                            spans.receive(request);
                            response.onNext(ExportTraceServiceResponse.getDefaultInstance());
                            response.onCompleted();
                        }
                    }).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the OTLP/gRPC receiver", e);
        }
    }

    public static OtlpGrpcReceiver start() {
        return new OtlpGrpcReceiver();
    }

    /** The endpoint to export to with protocol {@code grpc} (plaintext HTTP/2). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** Every span received so far, in the order they came. */
    public List<OtlpReceiver.ReceivedSpan> spans() {
        return spans.list();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
