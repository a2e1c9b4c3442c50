package dev.switchboard.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.support.ToolCallbacks;

class SpringAiStreamingTest {
    @TempDir
    Path dir;
    private TwoModels models;
    private SwitchboardChatModel model;

    @BeforeEach
    void start() throws Exception {
        models = new TwoModels(dir);
        model = SwitchboardChatModel.builder().gateway(models.gateway).model("chat").build();
    }

    @AfterEach
    void stop() {
        model.close();
        models.close();
    }

    @Test
    void textArrivesInOrderAndTheLastResponseHasFinishReasonAndUsage() {
        List<ChatResponse> responses = model.stream(new Prompt("Quarterly summary of account 42"))
                .collectList().block(Duration.ofSeconds(30));

        List<String> texts = responses.stream().map(r -> r.getResult().getOutput().getText())
                .filter(t -> !t.isEmpty()).toList();
        assertThat(texts).containsExactly("Quart", "erly ", "summa", "ry of", " acco", "unt 4", "2");
        ChatResponse last = responses.get(responses.size() - 1);
        assertThat(last.getResult().getMetadata().getFinishReason()).isEqualTo("STOP");
        assertThat(last.getMetadata().getUsage().getCompletionTokens()).isEqualTo(7);
        assertThat(last.getMetadata().getUsage().getPromptTokens()).isPositive();
        assertThat(last.getMetadata().getModel()).isEqualTo("small");
        assertThat((String) last.getMetadata().get("switchboard.backend")).isEqualTo("inhouse-10b");
        assertThat(models.inhouse.requests().get(0).json().at("/stream_options/include_usage").asBoolean()).isTrue();
    }

    @Test
    void aChatClientStreamsTheSameText() {
        String joined = String.join("", Objects.requireNonNull(ChatClient.create(model).prompt()
                .user("streamed through the client").stream().content().collectList().block(Duration.ofSeconds(30))));
        assertThat(joined).isEqualTo("streamed through the client");
    }

    @Test
    void streamedToolCallPiecesAreJoinedIntoWholeCallsInTheLastResponse() {
        String arguments = "{\"account\":\"42\",\"months\":3,\"currency\":\"CNY\"}";
        models.callTools(arguments);
        List<ChatResponse> responses = model.stream(new Prompt("Balance?", ToolCallingChatOptions.builder()
                .toolCallbacks(ToolCallbacks.from(new SpringAiChatModelTest.BalanceTools())).build()))
                .collectList().block(Duration.ofSeconds(30));

        ChatResponse last = responses.get(responses.size() - 1);
        assertThat(last.getResult().getMetadata().getFinishReason()).isEqualTo("TOOL_CALLS");
        List<AssistantMessage.ToolCall> calls = last.getResult().getOutput().getToolCalls();
        assertThat(calls).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("accountBalance");
            assertThat(c.id()).startsWith("call_mock_");
            assertThat(c.arguments()).isEqualTo(arguments);
        });
        assertThat(responses.subList(0, responses.size() - 1)).noneMatch(ChatResponse::hasToolCalls);
    }

    @Test
    void aStreamingChatClientRunsTheStreamedToolCallAndStreamsTheAnswer() {
        models.callTools("{\"account\":\"42\"}");
        SpringAiChatModelTest.BalanceTools tools = new SpringAiChatModelTest.BalanceTools();
        String joined = String.join("", Objects.requireNonNull(ChatClient.create(model).prompt()
                .user("Balance of account 42?").tools(tools).stream().content().collectList()
                .block(Duration.ofSeconds(30))));
        assertThat(tools.calls).containsExactly("42");
        assertThat(joined).isEqualTo("Balance of account 42?");
        assertThat(models.inhouse.requests()).hasSize(2);
        assertThat(models.inhouse.requests().get(1).json().at("/messages/2/role").asText()).isEqualTo("tool");
    }

    @Test
    void customerDataForAnExternalOnlyRouteFailsTheStreamWithARefusal() {
        assertThatThrownBy(() -> model.stream(new Prompt("Pay EMP123456 again",
                ChatOptions.builder().model("premium").build())).collectList().block(Duration.ofSeconds(30)))
                .isInstanceOf(SwitchboardRefusedException.class).hasMessageContaining("must stay internal");
        assertThat(models.hosted.requests()).isEmpty();
    }

    @Test
    void nothingIsSentBeforeSubscription() {
        var flux = model.stream(new Prompt("lazy"));
        assertThat(models.inhouse.requests()).isEmpty();
        assertThat(flux.blockLast(Duration.ofSeconds(30))).isNotNull();
        assertThat(models.inhouse.requests()).hasSize(1);
    }
}
