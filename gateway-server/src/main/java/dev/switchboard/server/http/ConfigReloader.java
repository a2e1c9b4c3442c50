package dev.switchboard.server.http;

import dev.switchboard.core.Gateway;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot reload: the config file is validated and, only if valid, swapped in whole; an invalid file keeps the
 * running config and its errors are logged and shown at {@code /admin/config}. Requests already running finish on
 * the gateway they started with (each takes the current one once); backends whose config did not change keep their
 * statistics and circuit breakers. Triggered by {@code POST /admin/reload} and by changes to the file.
 */
public final class ConfigReloader implements Supplier<Gateway>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final Path file;
    private final ConfigLoader loader;
    private final AtomicReference<Gateway> current;
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
    static final String RELOAD_THREAD = "switchboard-reload";
    private volatile String lastReloadThread;

    public ConfigReloader(Path file, Function<String, String> env, Gateway initial) {
        this.file = Objects.requireNonNull(file, "file");
        this.loader = ConfigLoader.withEnv(env);
        this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
    }

    @Override
    public Gateway get() {
        return current.get();
    }

    /** Errors of the last reload attempt that failed since the last success (empty when none). */
    public List<String> lastErrors() {
        return lastErrors;
    }

    /** Reloads on the reload thread; the future has the errors, empty when the new config is in force. */
    public java.util.concurrent.CompletableFuture<List<String>> reloadAsync() {
        return java.util.concurrent.CompletableFuture.supplyAsync(this::reload, admin);
    }

    /** The thread the last reload ran on (for tests). */
    String lastReloadThread() {
        return lastReloadThread;
    }

    /** Reloads now, on the calling thread; returns the errors, empty when the new config is in force. */
    public synchronized List<String> reload() {
        lastReloadThread = Thread.currentThread().getName();
        GatewaySpec spec;
        try {
            spec = loader.load(file);
        } catch (ConfigException e) {
            lastErrors = e.errors().stream().map(Object::toString).toList();
            log.error("config {} not reloaded, the running config stays: {}", file, e.getMessage());
            return lastErrors;
        }
        Gateway old = current.get();
        if (!spec.server().listen().equals(old.spec().server().listen())
                || !spec.server().admin().equals(old.spec().server().admin())) {
            log.warn("config {}: listen and admin addresses change only on restart", file);
        }
        try {
            current.set(old.reconfigure(spec));
        } catch (ConfigException e) {
            // A change the running gateway cannot take (the state store): refused like an invalid file.
            lastErrors = e.errors().stream().map(Object::toString).toList();
            log.error("config {} not reloaded, the running config stays: {}", file, e.getMessage());
            return lastErrors;
        }
        lastErrors = List.of();
        log.info("config {} reloaded: {} backends, {} routes", file, spec.backends().size(), spec.routes().size());
        return lastErrors;
    }

    /** Reloads whenever the file changes (a daemon thread on the directory's watch service). */
    public void watch() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        WatchService service = FileSystems.getDefault().newWatchService();
        dir.register(service, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
        Thread t = new Thread(() -> {
            try (service) {
                while (!closed) {
                    WatchKey key = service.take();
                    boolean ours = key.pollEvents().stream()
                            .anyMatch(e -> file.getFileName().equals(e.context()));
                    key.reset();
                    if (ours) {
                        Thread.sleep(200); // editors write in several steps: let the file settle
                        reload();
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

    @Override
    public void close() {
        closed = true;
        admin.shutdownNow();
        Thread t = watcher;
        if (t != null) {
            t.interrupt();
        }
        current.get().close();
    }
}
