package dev.switchboard.core;

import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload of a gateway from its config file: the file is validated and, only if valid, put in force whole
 * ({@link Gateway#reload}); an invalid file keeps the running config and its errors are logged and kept
 * ({@link #lastErrors}, shown at the sidecar's {@code /admin/config}). Requests already running finish on the config
 * they started with; backends whose config did not change keep their statistics and circuit breakers. Triggered by
 * {@link #reload} (the sidecar's {@code POST /admin/reload}) and, once {@link #watch} is called, by changes to the
 * file — including a Kubernetes ConfigMap's, which swaps a symbolic link beside the file rather than writing it.
 */
public final class ConfigReloader implements Supplier<Gateway>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final Path file;
    private final ConfigLoader loader;
    private final Gateway gateway;
    /** The SHA-256 of the file as last read, so that the watcher reloads on a change of content only. */
    private volatile String lastRead;
    private volatile List<String> lastErrors = List.of();
    private volatile Thread watcher;
    private volatile boolean closed;
    /**
     * Where {@code POST /admin/reload} runs: building a gateway reads files, compiles rules and may open an audit log,
     * which must not hold an event loop (its other connections would wait). One thread: reloads run in turn.
     */
    private final java.util.concurrent.ExecutorService admin = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> {
                Thread t = new Thread(r, RELOAD_THREAD);
                t.setDaemon(true);
                return t;
            });
    /** The name of the thread reloads run on. */
    public static final String RELOAD_THREAD = "switchboard-reload";
    private volatile String lastReloadThread;

    /** Reloads {@code gateway} (built from {@code file}) from {@code file}; {@code env} answers {@code ${env:NAME}}. */
    public ConfigReloader(Path file, Function<String, String> env, Gateway gateway) {
        this.file = Objects.requireNonNull(file, "file");
        this.loader = ConfigLoader.withEnv(env);
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.lastRead = fingerprint();
    }

    /** The gateway, with whichever config is in force. */
    @Override
    public Gateway get() {
        return gateway;
    }

    /** Errors of the last reload attempt that failed since the last success (empty when none). */
    public List<String> lastErrors() {
        return lastErrors;
    }

    /** Reloads on the reload thread; the future has the errors, empty when the new config is in force. */
    public java.util.concurrent.CompletableFuture<List<String>> reloadAsync() {
        return java.util.concurrent.CompletableFuture.supplyAsync(this::reload, admin);
    }

    /** The thread the last reload ran on. */
    public String lastReloadThread() {
        return lastReloadThread;
    }

    /** Reloads now, on the calling thread; returns the errors, empty when the new config is in force. */
    public synchronized List<String> reload() {
        lastReloadThread = Thread.currentThread().getName();
        lastRead = fingerprint();
        GatewaySpec spec;
        try {
            spec = loader.load(file);
        } catch (ConfigException e) {
            lastErrors = e.errors().stream().map(Object::toString).toList();
            log.error("config {} not reloaded, the running config stays: {}", file, e.getMessage());
            return lastErrors;
        }
        GatewaySpec old = gateway.spec();
        if (!spec.server().listen().equals(old.server().listen())
                || !spec.server().admin().equals(old.server().admin())) {
            log.warn("config {}: listen and admin addresses change only on restart", file);
        }
        try {
            gateway.reload(spec);
        } catch (ConfigException e) {
            // A change the running gateway cannot take (the state store): refused like an invalid file.
            lastErrors = e.errors().stream().map(Object::toString).toList();
            log.error("config {} not reloaded, the running config stays: {}", file, e.getMessage());
            return lastErrors;
        } catch (RuntimeException e) {
            // Building the new config failed outside validation (an audit log path that cannot be written, a closed
            // gateway): the same answer, so neither the admin API nor the watcher dies of it.
            lastErrors = List.of("the new config could not be put in force: " + e);
            log.error("config {} not reloaded, the running config stays", file, e);
            return lastErrors;
        }
        lastErrors = List.of();
        log.info("config {} reloaded: {} backends, {} routes", file, spec.backends().size(), spec.routes().size());
        return lastErrors;
    }

    /**
     * Reloads whenever the file's content changes (a daemon thread on the directory's watch service). Any change in
     * the directory makes it read the file again, and only a new content reloads: a ConfigMap volume updates by
     * pointing a {@code ..data} link at a new directory, so no event ever names the file itself.
     */
    public void watch() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        WatchService service = FileSystems.getDefault().newWatchService();
        dir.register(service, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
        Thread t = new Thread(() -> {
            try (service) {
                while (!closed) {
                    WatchKey key = service.take();
                    key.pollEvents();
                    key.reset();
                    // Editors and the kubelet write in several steps: wait for 200 ms without events before reading.
                    for (WatchKey more = service.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS); more != null;
                            more = service.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        more.pollEvents();
                        more.reset();
                    }
                    String content = fingerprint();
                    if (content != null && !content.equals(lastRead)) { // null: mid-swap, the next event comes
                        try {
                            reload();
                        } catch (RuntimeException e) { // never the end of watching: the next change is tried too
                            log.error("config {}: reload failed", file, e);
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | java.nio.file.ClosedWatchServiceException e) {
                log.debug("config watcher stopped: {}", e.toString());
            }
        }, "switchboard-config-watch");
        t.setDaemon(true);
        t.start();
        watcher = t;
    }

    /** The SHA-256 of the file's bytes (through any links), or null when it cannot be read now. */
    private String fingerprint() {
        try {
            byte[] bytes = java.nio.file.Files.readAllBytes(file);
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (IOException e) {
            return null; // being replaced: the next event reads it again
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /**
     * Stops watching the file and the reload thread, and waits (a few seconds at most) for a reload under way to end,
     * so that nothing is put in force after this returns; the gateway stays open (its owner closes it).
     */
    public void stopWatching() {
        closed = true;
        admin.shutdownNow();
        Thread t = watcher;
        if (t != null) {
            t.interrupt();
        }
        try {
            admin.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            if (t != null) {
                t.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops watching and closes the gateway. */
    @Override
    public void close() {
        stopWatching();
        gateway.close();
    }
}
