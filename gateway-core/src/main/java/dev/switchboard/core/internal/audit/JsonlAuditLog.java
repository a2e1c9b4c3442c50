package dev.switchboard.core.internal.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.Attempt;
import dev.switchboard.core.CallRecord;
import dev.switchboard.core.config.AuditSpec;
import dev.switchboard.core.routing.CandidateTrace;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log as JSON lines: one line per request with its decision, the candidates and why, the attempts, the
 * usage and the cost — never prompt text or credentials. Lines are written by one background thread, off the
 * request path; the file is rotated when it would pass its size limit and when the (UTC) day changes, keeping the
 * newest rotated files. {@link #close()} writes out everything appended before it returns.
 */
final class JsonlAuditLog implements AuditLog {
    private static final Logger log = LoggerFactory.getLogger(JsonlAuditLog.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CallRecord STOP = new CallRecord(java.time.Instant.EPOCH, "", "", "", false, null,
            List.of(), null, 0, null, dev.switchboard.core.Usage.UNKNOWN, 0, "", 0,
            dev.switchboard.core.compliance.Assessment.CLEAN, dev.switchboard.core.compliance.ComplianceAction.NONE, null, null,
            dev.switchboard.core.cache.CacheStatus.BYPASS, java.util.OptionalLong.empty());

    private final AuditSpec spec;
    private final Clock clock;
    private final LinkedBlockingQueue<CallRecord> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean closed;
    private OutputStream out;
    private long size;
    private LocalDate day;

    JsonlAuditLog(AuditSpec spec, Clock clock) {
        this.spec = spec;
        this.clock = clock;
        try {
            Path parent = spec.path().toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            openFile();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open audit log " + spec.path(), e);
        }
        this.writer = new Thread(this::drain, "switchboard-audit");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void append(CallRecord record) {
        if (closed) {
            log.warn("audit log closed; record of request {} written synchronously", record.requestId());
            synchronized (this) {
                write(record);
                flush();
            }
            return;
        }
        queue.add(record);
    }

    private void drain() {
        List<CallRecord> batch = new ArrayList<>();
        while (true) {
            try {
                CallRecord first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, 1024);
                boolean stop = false;
                synchronized (this) {
                    for (CallRecord r : batch) {
                        if (r == STOP) {
                            stop = true;
                        } else {
                            write(r);
                        }
                    }
                    flush();
                }
                batch.clear();
                if (stop) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.error("audit log write failed", e);
            }
        }
    }

    private void write(CallRecord r) {
        try {
            byte[] line = (JSON.writeValueAsString(toJson(r)) + "\n").getBytes(StandardCharsets.UTF_8);
            LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
            if (size > 0 && (size + line.length > spec.maxFileBytes() || !today.equals(day))) {
                rotate();
            }
            out.write(line);
            size += line.length;
        } catch (IOException e) {
            log.error("audit log write failed for request {}", r.requestId(), e);
        }
    }

    private void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            log.error("audit log flush failed", e);
        }
    }

    private void openFile() throws IOException {
        out = new java.io.BufferedOutputStream(Files.newOutputStream(spec.path(), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND), 64 * 1024);
        size = Files.size(spec.path());
        day = size == 0 ? LocalDate.now(clock.withZone(ZoneOffset.UTC))
                : LocalDate.ofInstant(Files.getLastModifiedTime(spec.path()).toInstant(), ZoneOffset.UTC);
    }

    /** Renames the current file to {@code name.DAY.N.jsonl}, starts a new one and prunes old ones. */
    private void rotate() throws IOException {
        out.close();
        Path path = spec.path();
        String name = path.getFileName().toString();
        String base = name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name;
        Path dir = path.toAbsolutePath().getParent();
        int n = 1;
        Path target;
        do {
            target = dir.resolve(base + "." + day + "." + n++ + ".jsonl");
        } while (Files.exists(target));
        Files.move(path, target, StandardCopyOption.ATOMIC_MOVE);
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> rotated = files.filter(p -> {
                String f = p.getFileName().toString();
                return f.startsWith(base + ".") && f.endsWith(".jsonl") && !f.equals(name);
            }).sorted(Comparator.comparing(p -> p.toFile().lastModified())).toList();
            for (int i = 0; i < rotated.size() - spec.keepFiles(); i++) {
                Files.deleteIfExists(rotated.get(i));
            }
        }
        openFile();
        day = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    }

    static ObjectNode toJson(CallRecord r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("time", r.time().toString());
        o.put("request_id", r.requestId());
        if (r.traceId() != null) {
            o.put("trace_id", r.traceId());
        }
        o.put("tenant", r.tenant());
        o.put("model", r.model());
        o.put("stream", r.stream());
        o.put("status", r.status());
        if (r.error() != null) {
            o.put("error", r.error());
        }
        if (r.decision() != null) {
            o.put("decision_id", r.decision().id());
            o.put("route", r.decision().route());
            o.put("rule", r.decision().ruleIndex());
            o.put("strategy", r.decision().strategyName());
            o.put("decision", r.decision().summary());
            o.put("estimated_prompt_tokens", r.decision().promptTokens());
            ArrayNode candidates = o.putArray("candidates");
            for (CandidateTrace t : r.decision().traces()) {
                ObjectNode c = candidates.addObject();
                c.put("backend", t.backend());
                c.put("position", t.position());
                c.put("reason", t.reason());
                c.put("estimated_cost", t.estimatedCost());
                if (!Double.isNaN(t.predictedFirstTokenMillis())) {
                    c.put("predicted_first_token_p95_ms", t.predictedFirstTokenMillis());
                }
            }
        }
        ArrayNode attempts = o.putArray("attempts");
        for (Attempt a : r.attempts()) {
            attempts.addObject().put("backend", a.backend()).put("outcome", a.describe()).put("ms", a.millis());
        }
        if (r.backend() != null) {
            o.put("backend", r.backend());
        }
        if (r.usage().known()) {
            o.put("prompt_tokens", r.usage().promptTokens());
            o.put("completion_tokens", r.usage().completionTokens());
        }
        if (r.sensitive().sensitive()) {
            ObjectNode kinds = o.putObject("sensitive_data");
            r.sensitive().counts().forEach(kinds::put);
        }
        o.put("compliance", r.compliance().wire());
        if (r.prompt() != null) {
            o.put("prompt", r.prompt());
        }
        o.put("cost", r.cost());
        if (!r.currency().isEmpty()) {
            o.put("currency", r.currency());
        }
        o.put("cache", r.cache().wire());
        o.put("ms", r.millis());
        if (r.firstTokenMillis().isPresent()) {
            o.put("first_token_ms", r.firstTokenMillis().getAsLong());
        }
        return o;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        queue.add(STOP);
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            CallRecord r;
            while ((r = queue.poll()) != null) {
                if (r != STOP) {
                    write(r);
                }
            }
            try {
                out.close();
            } catch (IOException e) {
                log.error("audit log close failed", e);
            }
        }
    }
}
