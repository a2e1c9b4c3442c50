package dev.switchboard.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.TelemetrySpec;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the sidecar builds an OpenTelemetry SDK at all: the config's exporter, or the OTEL_* environment over it. */
class TelemetryTest {
    private static TelemetrySpec otlp() {
        return new TelemetrySpec(new TelemetrySpec.Traces(TelemetrySpec.Exporter.OTLP, "http://127.0.0.1:9/v1/traces",
                TelemetrySpec.Protocol.HTTP_PROTOBUF, Map.of(), 1.0, "switchboard"));
    }

    @Test
    void offByDefault() {
        try (Telemetry t = Telemetry.start(TelemetrySpec.DEFAULTS, k -> null)) {
            assertThat(t.on()).isFalse();
            assertThat(t.openTelemetry()).isSameAs(OpenTelemetry.noop());
        }
    }

    @Test
    void onWithAnExporterInTheConfig() {
        try (Telemetry t = Telemetry.start(otlp(), k -> null)) {
            assertThat(t.on()).isTrue();
        }
    }

    @Test
    void theEnvironmentOverridesTheConfig() {
        try (Telemetry t = Telemetry.start(otlp(), Map.of("OTEL_TRACES_EXPORTER", "none")::get)) {
            assertThat(t.on()).isFalse();
        }
        try (Telemetry t = Telemetry.start(otlp(), Map.of("OTEL_SDK_DISABLED", "true")::get)) {
            assertThat(t.on()).isFalse();
        }
    }

    @Test
    void oneRegistryServesTheAccessLogsCounterAndTheJvmsSeries(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Telemetry telemetry = Telemetry.start(TelemetrySpec.DEFAULTS, k -> null);
        var registry = telemetry.meterRegistry();
        assertThat(telemetry.meterRegistry()).isSameAs(registry);
        try (AccessLog log = AccessLog.open(new TelemetrySpec.AccessLog(true, dir.resolve("access.jsonl")),
                java.time.Clock.systemUTC(), telemetry.meterRegistry())) {
            byte[][] garbage = new byte[64][];
            for (int i = 0; i < garbage.length; i++) {
                garbage[i] = new byte[1 << 20];
            }
            System.gc(); // a collection, so the allocation counter has something to count
            String scraped = registry.scrape();
            assertThat(scraped).contains("switchboard_access_log_dropped_total")
                    .contains("jvm_gc_memory_allocated_bytes_total").contains("jvm_memory_used_bytes")
                    .contains("jvm_threads_live_threads").contains("process_uptime_seconds");
            assertThat(garbage[63]).hasSize(1 << 20);
        } finally {
            telemetry.close();
        }
    }
}
