package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.Test;

/** The demo the README promises: two simulated models behind the sidecar, on the example config. */
class DemoTest {
    @Test
    void demoServesTheChatRouteOnBothBackends() {
        try (DemoCommand.Demo demo = DemoCommand.Demo.start("127.0.0.1:0", "127.0.0.1:0")) {
            assertThat(demo.banner()).contains("curl -s http://127.0.0.1:" + demo.server.port() + "/v1/chat/completions");
            OpenAIClient sdk = OpenAIOkHttpClient.builder().baseUrl(demo.server.baseUrl()).apiKey("demo").build();
            try {
                ChatCompletion inhouse = sdk.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("chat").addUserMessage("Summarise this account.").build());
                assertThat(inhouse.model()).isEqualTo("glm-4-9b-chat");
                ChatCompletion hosted = sdk.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("chat").addUserMessage("Draft the report.")
                        .putAdditionalHeader("x-scenario", "aml-report").build());
                assertThat(hosted.model()).isEqualTo("big-model-v3");
            } finally {
                sdk.close();
            }
            assertThat(demo.hosted.requests()).hasSize(1);
            assertThat(demo.hosted.requests().get(0).header("authorization")).isEqualTo("Bearer demo-not-a-secret");
        }
    }
}
