package dev.switchboard.core.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The sidecar's network settings (ignored by the embedded library).
 *
 * @param listen        host:port of the OpenAI-compatible API
 * @param admin         host:port of the admin API (loopback by default)
 * @param maxBodyBytes  largest request body accepted (413 beyond)
 * @param readTimeout   a client that sends nothing for this long is disconnected
 * @param auth          client keys, or open mode
 * @param shutdownGrace on SIGTERM, how long requests and streams in flight may take to finish
 * @param maxConnections client connections at most; at the cap a connection still sending its request is closed
 *                       to make room, else the new one is refused
 * @param requestDeadline a request (headers and body) must arrive whole within this time from its first byte: 408
 *                        and close after it
 * @param maxConnectionsPerClient connections from one client address at most (0 = no limit)
 * @param adminKeySha256 the SHA-256 (hex) of the admin key the admin port asks for, or null: required when the admin
 *                       port listens beyond loopback
 * @param drainDelay     on SIGTERM, how long the sidecar keeps serving while {@code /readyz} already says it is
 *                       draining, before it stops accepting: the time a load balancer or Kubernetes takes to stop
 *                       sending it new requests (taken out of {@code shutdownGrace}, not added to it)
 */
public record ServerSpec(HostPort listen, HostPort admin, long maxBodyBytes, Duration readTimeout, AuthSpec auth,
        Duration shutdownGrace, int maxConnections, Duration requestDeadline, int maxConnectionsPerClient,
        String adminKeySha256, Duration drainDelay) {
    public static final ServerSpec DEFAULTS = new ServerSpec(new HostPort("0.0.0.0", 8080),
            new HostPort("127.0.0.1", 9090), 8L * 1024 * 1024, Duration.ofSeconds(60), new AuthSpec(false, List.of()),
            Duration.ofSeconds(30), 10_000, Duration.ofSeconds(10), 0, null, Duration.ZERO);

    /** Without an admin key. */
    public ServerSpec(HostPort listen, HostPort admin, long maxBodyBytes, Duration readTimeout, AuthSpec auth,
            Duration shutdownGrace, int maxConnections, Duration requestDeadline, int maxConnectionsPerClient) {
        this(listen, admin, maxBodyBytes, readTimeout, auth, shutdownGrace, maxConnections, requestDeadline,
                maxConnectionsPerClient, null, Duration.ZERO);
    }

    /** With the new listen and admin addresses (the {@code serve --listen/--admin} flags). */
    public ServerSpec withAddresses(HostPort newListen, HostPort newAdmin) {
        return new ServerSpec(newListen, newAdmin, maxBodyBytes, readTimeout, auth, shutdownGrace, maxConnections,
                requestDeadline, maxConnectionsPerClient, adminKeySha256, drainDelay);
    }

    /** Whether {@code host} is this machine only (127.0.0.0/8, ::1, localhost). */
    public static boolean loopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        // IP literals only (a name such as 127.evil.example is not this machine): 127.0.0.0/8, ::1, and localhost.
        return h.equalsIgnoreCase("localhost") || h.matches("127(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}")
                || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1");
    }

    public ServerSpec {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(requestDeadline, "requestDeadline");
        Objects.requireNonNull(drainDelay, "drainDelay");
    }

    /** A host and port, as in {@code 127.0.0.1:8080}. */
    public record HostPort(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }
}
