package dev.switchboard.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * nginx as a do-nothing reverse proxy in front of the same backend: the yardstick for what one more proxy hop
 * costs on this machine. A request through the sidecar crosses two more sockets and one more process than a
 * request sent directly, and on a machine whose processes share two cores that hop has a price of its own that
 * no gateway code can remove; nginx (C, event-driven, keep-alive to the backend, no buffering) shows that price.
 * The difference sidecar minus nginx is then what Switchboard's own work adds.
 */
final class ReferenceProxy implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int port;

    private ReferenceProxy(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** The nginx binary on this machine, or null. */
    static Path find() {
        for (String candidate : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx")) {
            Path p = Path.of(candidate);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Starts nginx proxying a free loopback port to {@code backendPort}, and waits until it accepts connections. */
    static ReferenceProxy start(Path nginx, int backendPort) throws Exception {
        return start(nginx, backendPort, List.of(), "auto");
    }

    /** As above, under a command prefix ({@code taskset -c 0}) with {@code workers} worker processes. */
    static ReferenceProxy start(Path nginx, int backendPort, List<String> prefix, String workers) throws Exception {
        Path dir = Files.createTempDirectory("switchboard-bench-nginx");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                worker_processes %4$s;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 16384; }
                http {
                    access_log off;
                    client_body_temp_path %1$s/body;
                    proxy_temp_path %1$s/proxy;
                    fastcgi_temp_path %1$s/fastcgi;
                    uwsgi_temp_path %1$s/uwsgi;
                    scgi_temp_path %1$s/scgi;
                    keepalive_requests 1000000;
                    client_body_buffer_size 4m;
                    client_max_body_size 16m;
                    upstream backend {
                        server 127.0.0.1:%2$d;
                        keepalive 512;
                    }
                    server {
                        listen 127.0.0.1:%3$d backlog=4096;
                        location / {
                            proxy_pass http://backend;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_buffering off;
                        }
                    }
                }
                """.formatted(dir, backendPort, port, workers));
        List<String> command = new java.util.ArrayList<>(prefix);
        command.addAll(List.of(nginx.toString(), "-p", dir.toString(), "-c", conf.toString()));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return new ReferenceProxy(p, dir, port);
            } catch (IOException notYet) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    String log = Files.exists(dir.resolve("error.log")) ? Files.readString(dir.resolve("error.log"))
                            : "";
                    p.destroyForcibly();
                    throw new IllegalStateException("nginx did not start: " + log);
                }
                Thread.sleep(50); // start-up only
            }
        }
    }

    int port() {
        return port;
    }

    /** The master's pid (its workers are its children). */
    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws IOException {
        ManagedProcess.stop(process);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
