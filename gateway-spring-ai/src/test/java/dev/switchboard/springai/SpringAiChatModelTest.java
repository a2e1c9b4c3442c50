package dev.switchboard.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RecordedRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.retry.NonTransientAiException;
import org.springframework.ai.retry.TransientAiException;
import org.springframework.ai.support.ToolCallbacks;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

class SpringAiChatModelTest {
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

    private static JsonNode lastBody(MockModelServer server) {
        List<RecordedRequest> requests = server.requests();
        assertThat(requests).isNotEmpty();
        return requests.get(requests.size() - 1).json();
    }

    /** A tool as an application writes one; the ChatClient's tool-calling advisor runs it. */
    static final class BalanceTools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool(description = "The balance of an account")
        String accountBalance(@ToolParam(description = "account number") String account) {
            calls.add(account);
            return "1,204.50 CNY";
        }
    }

    @Test
    void aPlainCallCarriesMessagesAndOptionsAndReturnsTextUsageFinishReasonAndWhereItWent() {
        ChatResponse response = model.call(new Prompt(List.of(new SystemMessage("You are terse."),
                new UserMessage("How is account 42?")), ChatOptions.builder().temperature(0.2).topP(0.9)
                .maxTokens(50).stopSequences(List.of("END")).build()));

        assertThat(response.getResult().getOutput().getText()).isEqualTo("How is account 42?");
        assertThat(response.getResult().getMetadata().getFinishReason()).isEqualTo("STOP");
        assertThat(response.getMetadata().getUsage().getPromptTokens()).isPositive();
        assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(4);
        assertThat(response.getMetadata().getUsage().getTotalTokens())
                .isEqualTo(response.getMetadata().getUsage().getPromptTokens() + 4);
        assertThat(response.getMetadata().getId()).startsWith("chatcmpl-mock-");
        assertThat(response.getMetadata().getModel()).isEqualTo("small");
        assertThat((String) response.getMetadata().get("switchboard.request-id")).startsWith("req_");
        assertThat((String) response.getMetadata().get("switchboard.backend")).isEqualTo("inhouse-10b");
        assertThat((String) response.getMetadata().get("switchboard.route")).isEqualTo("chat");

        JsonNode sent = lastBody(models.inhouse);
        assertThat(sent.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(sent.at("/messages/1/content").asText()).isEqualTo("How is account 42?");
        assertThat(sent.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(sent.get("top_p").asDouble()).isEqualTo(0.9);
        assertThat(sent.get("max_tokens").asInt()).isEqualTo(50);
        assertThat(sent.get("stop").get(0).asText()).isEqualTo("END");
        assertThat(sent.has("tools")).isFalse();
    }

    @Test
    void theOptionsModelIsTheRouteAndHeadersAndTenantReachTheRules() {
        assertThat(model.call("plain")).isEqualTo("plain");
        model.call(new Prompt("for the big model", ChatOptions.builder().model("premium").build()));
        assertThat(models.hosted.requests()).hasSize(1);
        assertThat(models.inhouse.requests()).hasSize(1);

        try (SwitchboardChatModel byHeader = SwitchboardChatModel.builder().gateway(models.gateway)
                .model("scenario").header("x-scenario", "aml-report").build();
             SwitchboardChatModel byTenant = SwitchboardChatModel.builder().gateway(models.gateway)
                .model("scenario").tenant("batch").build()) {
            byHeader.call("report");
            byTenant.call("nightly");
        }
        assertThat(models.hosted.requests()).hasSize(3);
        assertThat(model.call("still open")).isEqualTo("still open"); // a given gateway is not closed
    }

    @Test
    void aChatClientRunsTheToolTheModelCallsAndSendsTheResultBack() {
        models.callTools("{\"account\":\"42\"}");
        BalanceTools tools = new BalanceTools();
        String answer = ChatClient.create(model).prompt().user("Balance of account 42?").tools(tools).call()
                .content();

        assertThat(tools.calls).containsExactly("42");
        assertThat(answer).isEqualTo("Balance of account 42?"); // the echoing model, once it has the result
        List<RecordedRequest> requests = models.inhouse.requests();
        assertThat(requests).hasSize(2);
        JsonNode first = requests.get(0).json();
        assertThat(first.at("/tools/0/type").asText()).isEqualTo("function");
        assertThat(first.at("/tools/0/function/name").asText()).isEqualTo("accountBalance");
        assertThat(first.at("/tools/0/function/description").asText()).isEqualTo("The balance of an account");
        assertThat(first.at("/tools/0/function/parameters/properties/account/type").asText()).isEqualTo("string");
        JsonNode second = requests.get(1).json();
        assertThat(second.at("/messages/1/role").asText()).isEqualTo("assistant");
        String callId = second.at("/messages/1/tool_calls/0/id").asText();
        assertThat(callId).startsWith("call_mock_");
        assertThat(second.at("/messages/1/tool_calls/0/function/arguments").asText()).isEqualTo("{\"account\":\"42\"}");
        assertThat(second.at("/messages/2/role").asText()).isEqualTo("tool");
        assertThat(second.at("/messages/2/tool_call_id").asText()).isEqualTo(callId);
        assertThat(second.at("/messages/2/content").asText()).contains("1,204.50 CNY");
    }

    @Test
    void calledDirectlyTheModelReturnsToolCallsAndTakesToolResponses() {
        models.callTools("{\"account\":\"42\"}");
        ToolCallingChatOptions options = ToolCallingChatOptions.builder()
                .toolCallbacks(ToolCallbacks.from(new BalanceTools())).build();
        UserMessage question = new UserMessage("Balance?");
        ChatResponse first = model.call(new Prompt(List.of(question), options));

        assertThat(first.hasToolCalls()).isTrue();
        assertThat(first.getResult().getMetadata().getFinishReason()).isEqualTo("TOOL_CALLS");
        AssistantMessage.ToolCall call = first.getResult().getOutput().getToolCalls().get(0);
        assertThat(call.name()).isEqualTo("accountBalance");
        assertThat(call.arguments()).isEqualTo("{\"account\":\"42\"}");

        ToolResponseMessage result = ToolResponseMessage.builder()
                .responses(List.of(new ToolResponseMessage.ToolResponse(call.id(), call.name(), "100 CNY"))).build();
        ChatResponse second = model.call(new Prompt(List.of(question, first.getResult().getOutput(), result),
                options));
        assertThat(second.getResult().getOutput().getText()).isEqualTo("Balance?");
        JsonNode sent = lastBody(models.inhouse);
        assertThat(sent.at("/messages/1/content").isNull()).isTrue();
        assertThat(sent.at("/messages/2/tool_call_id").asText()).isEqualTo(call.id());
        assertThat(sent.at("/messages/2/content").asText()).isEqualTo("100 CNY");
    }

    @Test
    void anOutputSchemaReachesTheUpstreamAsJsonSchemaResponseFormat() {
        String schema = "{\"type\":\"object\",\"properties\":{\"suspicious\":{\"type\":\"boolean\"}}}";
        model.call(new Prompt("{\"suspicious\":false}", StructuredOutputChatOptions.builder().outputSchema(schema)
                .build()));
        JsonNode format = lastBody(models.inhouse).get("response_format");
        assertThat(format.get("type").asText()).isEqualTo("json_schema");
        assertThat(format.at("/json_schema/schema/properties/suspicious/type").asText()).isEqualTo("boolean");
    }

    @Test
    void customerDataForAnExternalOnlyRouteIsANonTransientRefusalAndNothingLeaves() {
        assertThatThrownBy(() -> model.call(new Prompt("Why was EMP123456 paid twice?",
                ChatOptions.builder().model("premium").build())))
                .isInstanceOf(NonTransientAiException.class)
                .isInstanceOfSatisfying(SwitchboardRefusedException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
                    assertThat(e.requestId()).startsWith("req_");
                    assertThat(e.getMessage()).contains("must stay internal").contains(e.requestId());
                });
        assertThat(models.hosted.requests()).isEmpty();
    }

    @Test
    void anUnknownRouteIsRefusedAndAFailingUpstreamIsTransient() {
        assertThatThrownBy(() -> model.call(new Prompt("hi", ChatOptions.builder().model("gpt-9").build())))
                .isInstanceOfSatisfying(SwitchboardRefusedException.class,
                        e -> assertThat(e.kind()).isEqualTo(ErrorKind.MODEL_NOT_FOUND));
        models.hosted.options(models.hosted.options().toBuilder().forcedStatus(503).build());
        assertThatThrownBy(() -> model.call(new Prompt("hi", ChatOptions.builder().model("premium").build())))
                .isInstanceOf(TransientAiException.class)
                .isInstanceOfSatisfying(SwitchboardUnavailableException.class,
                        e -> assertThat(e.status()).isGreaterThanOrEqualTo(500));
    }
}
