package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.upstream.NettyUpstream;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The sidecar serves calls and streams on either socket transport, with its upstream connections on the same one. */
class TransportTest {
    @AfterAll
    static void noLeaks() {
        LeakRecordingDetector.assertNoLeaks();
    }

    @Test
    void aDefaultGroupHasOneLoopPerCoreUnlessNettysPropertySaysOtherwise() {
        String before = System.getProperty("io.netty.eventLoopThreads");
        try {
            System.clearProperty("io.netty.eventLoopThreads");
            assertThat(loops(Transport.NIO.newGroup(0))).isEqualTo(Runtime.getRuntime().availableProcessors());
            System.setProperty("io.netty.eventLoopThreads", "3");
            assertThat(loops(Transport.NIO.newGroup(0))).isEqualTo(3);
            assertThat(loops(Transport.NIO.newGroup(2))).isEqualTo(2); // an explicit count wins
        } finally {
            if (before == null) {
                System.clearProperty("io.netty.eventLoopThreads");
            } else {
                System.setProperty("io.netty.eventLoopThreads", before);
            }
        }
    }

    private static int loops(EventLoopGroup group) {
        try {
            return ((io.netty.util.concurrent.MultithreadEventExecutorGroup) group).executorCount();
        } finally {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void callsAndStreamsOnEachTransport(Transport transport) {
        Assumptions.assumeTrue(transport == Transport.NIO || Epoll.isAvailable(), "epoll loads only on Linux");
        try (MockModelServer model = MockModelServer.start(
                MockModelOptions.builder().model("qwen-14b").responseTokens(4).build())) {
            GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                    server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                    backends:
                      - { name: inhouse-10b, base-url: "%s", model: qwen-14b, residency: internal }
                    routes:
                      - name: chat
                        rules:
                          - use: [inhouse-10b]
                    """.formatted(model.baseUrl()), "test.yaml");
            EventLoopGroup workers = transport.newGroup(2);
            assertThat(Transport.of(workers)).isEqualTo(transport);
            try (Gateway gateway = Gateway.create(spec, GatewayOptions.defaults()
                    .withBackends(new NettyUpstream(workers)));
                 SwitchboardServer server = SwitchboardServer.start(spec.server(), () -> gateway, workers)) {
                assertThat(server.transport()).isEqualTo(transport);
                OpenAIClient sdk = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl()).apiKey("k").maxRetries(0)
                        .timeout(Duration.ofSeconds(20)).build();
                try {
                    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("chat")
                            .addUserMessage("How is account 42 doing?").build();
                    ChatCompletion completion = sdk.chat().completions().create(params);
                    assertThat(completion.usage()).hasValueSatisfying(u -> assertThat(u.completionTokens())
                            .isEqualTo(4));
                    try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions()
                            .createStreaming(params)) {
                        String streamed = stream.stream().flatMap(c -> c.choices().stream())
                                .map(c -> c.delta().content().orElse("")).collect(Collectors.joining());
                        assertThat(streamed).isEqualTo(completion.choices().get(0).message().content().orElseThrow());
                    }
                    assertThat(model.requests("/v1/chat/completions")).hasSize(2);
                } finally {
                    sdk.close();
                }
            }
        }
    }

    @Test
    void namesAreCheckedAndAutoPicksWhatLoads() {
        assertThat(Transport.named("nio")).isEqualTo(Transport.NIO);
        assertThat(Transport.named("auto")).isEqualTo(Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO);
        assertThatThrownBy(() -> Transport.named("kqueue")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected auto, epoll or nio");
    }
}
