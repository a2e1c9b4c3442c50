package dev.switchboard.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.benchmarks.load.LoadGenerator;
import dev.switchboard.benchmarks.load.LoadResult;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** nginx as the reference hop: it relays calls and streams to the model unchanged, and goes away when closed. */
class ReferenceProxyTest {
    @Test
    void relaysCallsAndStreamsAndStopsWhenClosed() throws Exception {
        Path nginx = ReferenceProxy.find();
        assertThat(nginx).as("nginx is installed (.ci/run installs nginx-light)").isNotNull();
        try (MockModelServer model = MockModelServer.start(MockModelOptions.builder().model("m").responseTokens(4)
                .build())) {
            ReferenceProxy proxy = ReferenceProxy.start(nginx, URI.create(model.baseUrl()).getPort());
            int port = proxy.port();
            try (proxy; LoadGenerator load = new LoadGenerator("127.0.0.1", port)) {
                LoadResult calls = load.run(Workloads.chat("m", 50, false), 100, 4, Duration.ofMillis(500));
                assertThat(calls.completed()).isEqualTo(50);
                assertThat(calls.errors()).isZero();
                LoadResult streams = load.run(Workloads.chat("m", 50, true), 100, 4, Duration.ofMillis(500));
                assertThat(streams.completed()).isEqualTo(50);
                assertThat(streams.errors()).isZero();
                assertThat(model.requests("/v1/chat/completions")).hasSize(100);
            }
            assertThatThrownBy(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                }
            }).isInstanceOf(java.io.IOException.class);
        }
    }
}
