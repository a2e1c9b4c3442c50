package dev.switchboard.core.config;

import java.util.Map;
import java.util.Objects;

/**
 * The sidecar's telemetry ({@code telemetry:}); the library takes an {@code OpenTelemetry} instance from the
 * embedding application instead ({@code GatewayOptions.withOpenTelemetry}). Every value here is a default that the
 * standard {@code OTEL_*} environment variables override.
 *
 * @param traces    where traces go
 * @param accessLog the sidecar's access log: one JSON line per request
 */
public record TelemetrySpec(Traces traces, AccessLog accessLog) {
    public static final TelemetrySpec DEFAULTS = new TelemetrySpec(Traces.OFF, AccessLog.OFF);

    public TelemetrySpec {
        Objects.requireNonNull(traces, "traces");
        Objects.requireNonNull(accessLog, "accessLog");
    }

    /** Traces only, no access log. */
    public TelemetrySpec(Traces traces) {
        this(traces, AccessLog.OFF);
    }

    /**
     * The sidecar's access log ({@code telemetry.access-log}): one JSON line per request, never prompt text.
     *
     * @param enabled whether it is written (off by default)
     * @param file    where: a file the lines are appended to, or null for standard output
     */
    public record AccessLog(boolean enabled, java.nio.file.Path file) {
        public static final AccessLog OFF = new AccessLog(false, null);
        public static final AccessLog STDOUT = new AccessLog(true, null);
    }

    /** How traces are exported. */
    public enum Exporter {
        /** OpenTelemetry's OTLP, to a collector, Jaeger, Tempo, SkyWalking... */
        OTLP,
        /** No traces (the default): no span is made. */
        NONE
    }

    /** OTLP over gRPC (port 4317) or over HTTP with protobuf bodies (port 4318, {@code /v1/traces}). */
    public enum Protocol {
        GRPC("grpc"),
        HTTP_PROTOBUF("http/protobuf");

        private final String wire;

        Protocol(String wire) {
            this.wire = wire;
        }

        /** As OpenTelemetry names it ({@code otel.exporter.otlp.protocol}). */
        public String wire() {
            return wire;
        }
    }

    /**
     * @param exporter    {@code otlp} or {@code none}
     * @param endpoint    the collector's URL; null for OpenTelemetry's default for the protocol
     * @param protocol    {@code grpc} or {@code http/protobuf}
     * @param headers     sent with every export (a collector's token); shown as {@code ***} by the admin API
     * @param sampleRatio the share of new traces recorded, 0 to 1; a request that arrives with a sampled parent
     *                    follows its parent's choice
     * @param serviceName {@code service.name} of the sidecar's spans
     */
    public record Traces(Exporter exporter, String endpoint, Protocol protocol, Map<String, Secret> headers,
            double sampleRatio, String serviceName) {
        public static final Traces OFF = new Traces(Exporter.NONE, null, Protocol.GRPC, Map.of(), 1.0, "switchboard");

        public Traces {
            Objects.requireNonNull(exporter, "exporter");
            Objects.requireNonNull(protocol, "protocol");
            headers = Map.copyOf(headers);
            Objects.requireNonNull(serviceName, "serviceName");
        }
    }
}
