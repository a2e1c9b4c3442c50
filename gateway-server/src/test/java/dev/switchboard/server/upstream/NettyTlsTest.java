package dev.switchboard.server.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.http.SwitchboardServer;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.TestCertificate;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code https://} backends over the Netty transport, against the testkit model behind a self-signed certificate:
 * calls and streams work when the certificate is trusted, and a backend whose certificate is not trusted (or does
 * not name the host) is never sent the request.
 */
class NettyTlsTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private MockModelServer secure;
    private MockModelServer plain;
    private EventLoopGroup workers;
    private Gateway gateway;
    private SwitchboardServer server;
    private TestCertificate certificate;

    @BeforeEach
    void start() throws Exception {
        certificate = TestCertificate.create();
        // On every loopback address, so that it can also be reached by a name its certificate does not carry.
        secure = MockModelServer.startTls("0.0.0.0", MockModelOptions.builder().model("hosted").responseTokens(6)
                .build(), certificate.serverContext());
        plain = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(6).build());
    }

    private void serve(NettyUpstream upstream, String host) {
        GatewaySpec spec = ConfigLoader.withEnv(n -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: hosted, base-url: "https://%s:%d/v1", model: hosted, residency: external,
                      api-key: sk-hosted }
                  - { name: inhouse, base-url: %s, model: small, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [hosted, inhouse], strategy: priority } ] }
                resilience: { retry: { attempts: 1 } }
                """.formatted(host, secure.port(), plain.baseUrl()), "test");
        gateway = Gateway.create(spec, GatewayOptions.defaults().withBackends(upstream));
        Gateway served = gateway;
        server = SwitchboardServer.start(spec.server(), () -> served, workers);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        secure.close();
        plain.close();
        LeakRecordingDetector.assertNoLeaks();
    }

    private HttpResponse<String> chat(boolean stream) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTrustedBackendIsCalledOverTlsForCallsAndStreams() throws Exception {
        workers = SwitchboardServer.newWorkers();
        serve(new NettyUpstream(workers, certificate.trust()), "127.0.0.1");
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = chat(false);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-switchboard-backend")).hasValue("hosted");
        }
        HttpResponse<String> s = chat(true);
        assertThat(s.statusCode()).isEqualTo(200);
        assertThat(s.headers().firstValue("x-switchboard-backend")).hasValue("hosted");
        assertThat(s.body()).endsWith("data: [DONE]\n\n");
        assertThat(secure.requests()).hasSize(4)
                .allSatisfy(q -> assertThat(q.headers()).containsEntry("authorization", "Bearer sk-hosted"));
    }

    @Test
    void anUntrustedCertificateIsRefusedAndTheNextCandidateServes() throws Exception {
        workers = SwitchboardServer.newWorkers();
        serve(new NettyUpstream(workers), "127.0.0.1"); // the JDK's trust store does not know the test CA
        HttpResponse<String> r = chat(false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-switchboard-backend")).hasValue("inhouse");
        assertThat(secure.requests()).isEmpty(); // the request never reached a server it could not verify
        assertHandshakeRefused();
    }

    /** The hosted backend failed in the TLS handshake (an I/O failure), not because it could not be reached. */
    private void assertHandshakeRefused() {
        assertThat(gateway.meters().get("switchboard.upstream.failures").tag("backend", "hosted").tag("kind", "io")
                .counter().count()).isEqualTo(1);
        assertThat(gateway.meters().find("switchboard.upstream.failures").tag("kind", "connect").counters())
                .allSatisfy(c -> assertThat(c.count()).isZero()); // each exists from the start, at 0
    }

    @Test
    void aCertificateThatDoesNotNameTheHostIsRefused() throws Exception {
        workers = SwitchboardServer.newWorkers();
        // Trusted, but issued for localhost and 127.0.0.1, reached here by another name for the same address.
        serve(new NettyUpstream(workers, certificate.trust()), "127.0.0.2");
        HttpResponse<String> r = chat(false);
        assertThat(r.headers().firstValue("x-switchboard-backend")).hasValue("inhouse");
        assertThat(secure.requests()).isEmpty();
        assertHandshakeRefused();
    }

    @Test
    void tlsIsSetUpOffTheWayToReadyAndAFailedSetUpFailsOverLikeAnyConnectFailure() throws Exception {
        workers = SwitchboardServer.newWorkers();
        // A trust store never initialised: building TLS with it fails, on the set-up's own thread.
        javax.net.ssl.TrustManagerFactory broken = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        NettyUpstream upstream = new NettyUpstream(workers, broken);
        serve(upstream, "127.0.0.1");
        assertThat(upstream.tls()).failsWithin(java.time.Duration.ofSeconds(10));
        HttpResponse<String> r = chat(false);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-switchboard-backend")).hasValue("inhouse");
        assertThat(secure.requests()).isEmpty();
        assertThat(gateway.meters().get("switchboard.upstream.failures").tag("backend", "hosted").tag("kind", "connect")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void readyBeginsTlsOnlyForAConfigWithAnHttpsBackend() throws Exception {
        workers = SwitchboardServer.newWorkers();
        NettyUpstream upstream = new NettyUpstream(workers, certificate.trust());
        upstream.prepareTls(); // no https backend yet: nothing begins
        assertThat(upstream.tlsBegun()).isFalse();
        serve(upstream, "127.0.0.1");
        upstream.prepareTls();
        assertThat(upstream.tlsBegun()).isTrue();
        assertThat(upstream.tls()).succeedsWithin(java.time.Duration.ofSeconds(10));
    }
}
