package dev.switchboard.server.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.switchboard.core.CallRecord;
import dev.switchboard.core.config.TelemetrySpec;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's access log ({@code telemetry.access-log}): one JSON line per request, to standard output or appended
 * to a file — a model call when the gateway records it (tenant, route, rule, backend, cache, compliance action,
 * status, tokens, cost, duration, time to first token), and a request the sidecar refused before the gateway saw it
 * (bad key, bad body, unknown path, too large, too slow) with its method, path and status. Never prompt text, never
 * a header's value.
 *
 * <p>Lines are rendered on the thread that ended the request (no shared state) and written by one background thread,
 * so an event loop never waits on the disk or a pipe. The queue is bounded: if the output stops taking lines (a full
 * pipe nobody reads), lines beyond 65,536 waiting are counted in {@code switchboard_access_log_dropped_total} and
 * a warning is logged, rather than filling the heap.
 */
public final class AccessLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte[] STOP = new byte[0];
    static final int CAPACITY = 65_536;

    /** Writes nothing. */
    public static final AccessLog OFF = new AccessLog();

    private final Clock clock;
    private final BlockingQueue<byte[]> queue;
    private final OutputStream out;
    /** Whether {@link #close()} closes {@link #out}: a file yes, standard output no. */
    private final boolean ownsOut;
    private final Thread writer;
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    private AccessLog() {
        this.clock = null;
        this.queue = null;
        this.out = null;
        this.ownsOut = false;
        this.writer = null;
    }

    private AccessLog(OutputStream out, boolean ownsOut, Clock clock,
            io.micrometer.core.instrument.MeterRegistry meters) {
        this.clock = clock;
        this.out = out;
        this.ownsOut = ownsOut;
        this.queue = new ArrayBlockingQueue<>(CAPACITY);
        io.micrometer.core.instrument.FunctionCounter.builder("switchboard.access.log.dropped", dropped,
                AtomicLong::get).description("Access-log lines dropped because the output did not keep up")
                .register(meters);
        this.writer = new Thread(this::drain, "switchboard-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** The access log {@code spec} asks for: {@link #OFF}, standard output, or a file (created with its directory). */
    public static AccessLog open(TelemetrySpec.AccessLog spec, Clock clock,
            io.micrometer.core.instrument.MeterRegistry meters) {
        if (!spec.enabled()) {
            return OFF;
        }
        if (spec.file() == null) {
            // Not System.out: nothing else's println can land inside a line, and the buffer is ours to flush.
            return new AccessLog(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024),
                    false, clock, meters);
        }
        try {
            Path parent = spec.file().toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new AccessLog(new BufferedOutputStream(Files.newOutputStream(spec.file(), StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND), 64 * 1024), true, clock, meters);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the access log " + spec.file(), e);
        }
    }

    /** Whether lines are written. */
    public boolean on() {
        return writer != null;
    }

    /** Whether the lines go to standard output (so the start-up banner goes to standard error instead). */
    public boolean toStdout(TelemetrySpec.AccessLog spec) {
        return on() && spec.file() == null;
    }

    /** A request the gateway handled, as it recorded it. */
    public void call(CallRecord r) {
        if (!on()) {
            return;
        }
        enqueue(line(g -> {
            g.writeStringField("time", r.time().toString());
            g.writeStringField("request_id", r.requestId());
            if (r.traceId() != null) {
                g.writeStringField("trace_id", r.traceId());
            }
            g.writeStringField("tenant", r.tenant());
            g.writeStringField("model", r.model());
            g.writeBooleanField("stream", r.stream());
            if (r.decision() != null) {
                g.writeStringField("route", r.decision().route());
                g.writeNumberField("rule", r.decision().ruleIndex());
            }
            if (r.backend() != null) {
                g.writeStringField("backend", r.backend());
            }
            g.writeNumberField("attempts", r.attempts().size());
            g.writeStringField("cache", r.cache().wire());
            g.writeStringField("compliance", r.compliance().wire());
            g.writeNumberField("status", r.status());
            if (r.error() != null) {
                g.writeStringField("error", r.error());
            }
            if (r.usage().known()) {
                g.writeNumberField("prompt_tokens", r.usage().promptTokens());
                g.writeNumberField("completion_tokens", r.usage().completionTokens());
            }
            g.writeNumberField("cost", r.cost());
            if (!r.currency().isEmpty()) {
                g.writeStringField("currency", r.currency());
            }
            g.writeNumberField("ms", r.millis());
            if (r.firstTokenMillis().isPresent()) {
                g.writeNumberField("first_token_ms", r.firstTokenMillis().getAsLong());
            }
        }));
    }

    /**
     * A request the sidecar answered itself, before (or without) the gateway: an error, or {@code GET /v1/models}.
     *
     * @param requestId the id its answer carries
     * @param method    the request's method, or null when no request line was read
     * @param path      its path without the query, or null
     * @param tenant    the caller's tenant when its key was read, else null
     * @param status    the HTTP status sent
     * @param error     the error code sent, or null for a success
     * @param millis    from its first byte (or its arrival) to the answer
     */
    public void answered(String requestId, String method, String path, String tenant, int status, String error,
            long millis) {
        if (!on()) {
            return;
        }
        enqueue(line(g -> {
            g.writeStringField("time", clock.instant().toString());
            g.writeStringField("request_id", requestId);
            if (method != null) {
                g.writeStringField("method", method);
            }
            if (path != null) {
                g.writeStringField("path", path);
            }
            if (tenant != null) {
                g.writeStringField("tenant", tenant);
            }
            g.writeNumberField("status", status);
            if (error != null) {
                g.writeStringField("error", error);
            }
            g.writeNumberField("ms", millis);
        }));
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] line(Fields fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(384);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // to a byte array: cannot happen
        }
        bytes.write('\n');
        return bytes.toByteArray();
    }

    private void enqueue(byte[] line) {
        if (closed) {
            dropped.incrementAndGet(); // a request that ended after shutdown wrote everything out
            return;
        }
        if (!queue.offer(line) && dropped.getAndIncrement() % 10_000 == 0) {
            log.warn("access log: the output does not keep up; {} lines dropped so far", dropped.get());
        }
    }

    private void drain() {
        List<byte[]> batch = new ArrayList<>();
        while (true) {
            try {
                byte[] first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1024);
                boolean stop = batch.remove(STOP);
                synchronized (this) {
                    writeOut(batch);
                }
                batch.clear();
                if (stop) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void writeOut(List<byte[]> lines) {
        try {
            for (byte[] line : lines) {
                if (line != STOP) {
                    out.write(line);
                }
            }
            out.flush();
        } catch (IOException e) {
            log.error("access log write failed", e);
        }
    }

    /** Writes out every line queued before it returns. */
    @Override
    public void close() {
        if (!on() || closed) {
            return;
        }
        closed = true;
        try {
            // An output that stopped taking lines (a pipe nobody reads) must not hold shutdown for ever.
            if (!queue.offer(STOP, 5, TimeUnit.SECONDS)) {
                log.warn("access log: the output does not take lines; {} queued lines are not written", queue.size());
                return;
            }
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            log.warn("access log: the output did not take the last lines within 10 s; they are not written");
            return;
        }
        synchronized (this) {
            List<byte[]> rest = new ArrayList<>();
            queue.drainTo(rest);
            writeOut(rest);
            if (ownsOut) {
                try {
                    out.close();
                } catch (IOException e) {
                    log.error("access log close failed", e);
                }
            }
        }
    }
}
