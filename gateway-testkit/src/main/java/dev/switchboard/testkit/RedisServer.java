package dev.switchboard.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} process on a free loopback port, for tests of the shared state store: started
 * without persistence, stopped and started again on the same port, or paused ({@code SIGSTOP}) to play a Redis
 * that hangs. Needs the {@code redis-server} binary (Debian package {@code redis-server}; {@code .ci/run}
 * installs it).
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final Path dir;
    private Process process;

    private RedisServer(int port, Path dir) {
        this.port = port;
        this.dir = dir;
    }

    /** Starts a server on a free port. */
    public static RedisServer start() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer r = new RedisServer(port, Files.createTempDirectory("switchboard-redis"));
        r.launch();
        return r;
    }

    /** The binary: {@code REDIS_SERVER} if set, else the Debian path, else whatever is on the PATH. */
    private static String binary() {
        String env = System.getenv("REDIS_SERVER");
        if (env != null && !env.isBlank()) {
            return env;
        }
        for (String p : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return "redis-server";
    }

    private void launch() throws IOException {
        ProcessBuilder pb = new ProcessBuilder(binary(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toString(), "--protected-mode", "no")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile());
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot start redis-server (" + binary() + "): install it with "
                    + "'apt-get install -y redis-server' or set REDIS_SERVER to its path", e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited at start: " + Files.readString(dir.resolve("redis.log")));
            }
            if (ping()) {
                return;
            }
            try {
                Thread.sleep(20); // waiting for a real process to come up, not for test time to pass
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
        throw new IOException("redis-server did not answer PING within 10 s on port " + port);
    }

    /** Whether the server answers PING now. */
    public boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            return n == 7 && new String(buf, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:port}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Stops the server (its data is gone: it keeps none). */
    public void stop() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts it again on the same port. */
    public void restart() throws IOException {
        stop();
        launch();
    }

    /** Freezes the process: connections stay open and nothing is answered (a hung Redis). */
    public void pause() throws IOException {
        signal("-STOP");
    }

    public void resume() throws IOException {
        signal("-CONT");
    }

    private void signal(String sig) throws IOException {
        try {
            int rc = new ProcessBuilder("kill", sig, String.valueOf(process.pid())).start().waitFor();
            if (rc != 0) {
                throw new IOException("kill " + sig + " failed with " + rc);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Sends one command (inline form) and returns the first line of the reply, for test assertions. */
    public String command(String inline) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) Duration.ofSeconds(1).toMillis());
            s.setSoTimeout(2000);
            s.getOutputStream().write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
