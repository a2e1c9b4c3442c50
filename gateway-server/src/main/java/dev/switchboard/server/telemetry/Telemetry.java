package dev.switchboard.server.telemetry;

import dev.switchboard.core.config.TelemetrySpec;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The sidecar's OpenTelemetry: built by the SDK's autoconfiguration from the config's {@code telemetry} section,
 * which supplies defaults only — the standard {@code OTEL_*} environment variables (and {@code otel.*} system
 * properties) override each of them, as every OpenTelemetry SDK does. Traces only: metrics stay on {@code /metrics}
 * (Prometheus) and logs in the log. With no exporter in force, no SDK is built at all and no span is made.
 */
public final class Telemetry implements AutoCloseable {
    private final OpenTelemetry openTelemetry;
    private final OpenTelemetrySdk sdk;

    private Telemetry(OpenTelemetry openTelemetry, OpenTelemetrySdk sdk) {
        this.openTelemetry = openTelemetry;
        this.sdk = sdk;
    }

    /**
     * Telemetry as {@code spec} and the process's environment say; off when neither names an exporter.
     * {@code env} is the environment the decision to build an SDK at all reads (tests pass their own).
     */
    public static Telemetry start(TelemetrySpec spec, Function<String, String> env) {
        Map<String, String> defaults = defaults(spec.traces());
        String exporter = firstOf(System.getProperty("otel.traces.exporter"), env.apply("OTEL_TRACES_EXPORTER"),
                defaults.get("otel.traces.exporter"));
        String disabled = firstOf(System.getProperty("otel.sdk.disabled"), env.apply("OTEL_SDK_DISABLED"), "false");
        if (exporter.trim().toLowerCase(Locale.ROOT).equals("none") || Boolean.parseBoolean(disabled.trim())) {
            // Off, but a telemetry of its own: its meter registry (below) is this sidecar's, not shared with another
            // started in the same process (whose meters it would serve, and whose names it would collide with).
            return new Telemetry(OpenTelemetry.noop(), null);
        }
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults) // the process's OTEL_* variables override these
                .build().getOpenTelemetrySdk();
        return new Telemetry(sdk, sdk);
    }

    private static Map<String, String> defaults(TelemetrySpec.Traces t) {
        Map<String, String> p = new HashMap<>();
        p.put("otel.traces.exporter", t.exporter().name().toLowerCase(Locale.ROOT));
        p.put("otel.metrics.exporter", "none");
        p.put("otel.logs.exporter", "none");
        p.put("otel.service.name", t.serviceName());
        p.put("otel.exporter.otlp.traces.protocol", t.protocol().wire());
        if (t.endpoint() != null) {
            p.put("otel.exporter.otlp.traces.endpoint", t.endpoint());
        }
        if (!t.headers().isEmpty()) {
            p.put("otel.exporter.otlp.traces.headers", t.headers().entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue().reveal()).collect(Collectors.joining(",")));
        }
        p.put("otel.traces.sampler", "parentbased_traceidratio");
        p.put("otel.traces.sampler.arg", Double.toString(t.sampleRatio()));
        p.put("otel.propagators", "tracecontext,baggage");
        return p;
    }

    private static String firstOf(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return "";
    }

    /** What the gateway and the server spans use; {@link OpenTelemetry#noop()} when traces are off. */
    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /**
     * The Prometheus registry the sidecar's {@code /metrics} serves — one for this telemetry, made on the first call;
     * with traces on, its latency histograms carry exemplars (trace ids) in the OpenMetrics format. The JVM's own
     * series are bound to it: memory, collections (and the bytes allocated, which BENCHMARKS.md reads per request),
     * threads, class loading, processor and uptime.
     */
    public synchronized io.micrometer.prometheusmetrics.PrometheusMeterRegistry meterRegistry() {
        if (registry == null) {
            registry = on()
                    ? new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                            io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT,
                            new io.prometheus.metrics.model.registry.PrometheusRegistry(),
                            io.micrometer.core.instrument.Clock.SYSTEM, new TraceExemplars())
                    : new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                            io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
            new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
            gc = new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics();
            gc.bindTo(registry);
            new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
            new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(registry);
        }
        return registry;
    }

    private io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry;
    /** Listens to the collector's notifications: closed with the telemetry. */
    private io.micrometer.core.instrument.binder.jvm.JvmGcMetrics gc;

    /** Whether spans are made and exported. */
    public boolean on() {
        return sdk != null;
    }

    /** Exports what is still buffered, then stops (at shutdown, after the last request). */
    @Override
    public void close() {
        synchronized (this) {
            if (gc != null) {
                gc.close();
            }
        }
        if (sdk != null) {
            sdk.shutdown().join(10, TimeUnit.SECONDS);
        }
    }
}
