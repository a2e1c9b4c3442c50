package dev.switchboard.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.NonRetriableException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.testkit.RecordedRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LangChain4jChatModelTest {
    @TempDir
    Path dir;
    private TwoModels models;
    private SwitchboardChatModel model;

    @BeforeEach
    void start() throws Exception {
        models = new TwoModels(dir);
        model = SwitchboardChatModel.builder().gateway(models.gateway).modelName("chat").build();
    }

    @AfterEach
    void stop() {
        model.close();
        models.close();
    }

    private JsonNode lastBody(dev.switchboard.testkit.MockModelServer server) {
        List<RecordedRequest> requests = server.requests();
        assertThat(requests).isNotEmpty();
        return requests.get(requests.size() - 1).json();
    }

    @Test
    void aPlainCallCarriesMessagesAndParametersAndReturnsTextUsageAndFinishReason() {
        ChatResponse response = model.chat(ChatRequest.builder()
                .messages(SystemMessage.from("You are terse."), UserMessage.from("How is account 42?"))
                .parameters(ChatRequestParameters.builder().temperature(0.2).topP(0.9).maxOutputTokens(50)
                        .stopSequences("END").frequencyPenalty(0.5).build())
                .build());

        assertThat(response.aiMessage().text()).isEqualTo("How is account 42?"); // the echoing model
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(response.tokenUsage().inputTokenCount()).isPositive();
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(4); // 5-character tokens
        assertThat(response.tokenUsage().totalTokenCount())
                .isEqualTo(response.tokenUsage().inputTokenCount() + 4);
        assertThat(response.id()).startsWith("chatcmpl-mock-");
        assertThat(response.modelName()).isEqualTo("small");

        JsonNode sent = lastBody(models.inhouse);
        assertThat(sent.at("/messages/0/role").asText()).isEqualTo("system");
        assertThat(sent.at("/messages/0/content").asText()).isEqualTo("You are terse.");
        assertThat(sent.at("/messages/1/role").asText()).isEqualTo("user");
        assertThat(sent.get("temperature").asDouble()).isEqualTo(0.2);
        assertThat(sent.get("top_p").asDouble()).isEqualTo(0.9);
        assertThat(sent.get("max_tokens").asInt()).isEqualTo(50);
        assertThat(sent.get("frequency_penalty").asDouble()).isEqualTo(0.5);
        assertThat(sent.get("stop").get(0).asText()).isEqualTo("END");
        assertThat(sent.has("stream")).isFalse();
        assertThat(sent.has("response_format")).isFalse();
    }

    @Test
    void theModelNameIsTheRouteAndARequestsModelNameWins() {
        model.chat("plain question");
        assertThat(models.inhouse.requests()).hasSize(1);
        assertThat(models.hosted.requests()).isEmpty();

        model.chat(ChatRequest.builder().messages(UserMessage.from("for the big model"))
                .parameters(ChatRequestParameters.builder().modelName("premium").build()).build());
        assertThat(models.hosted.requests()).hasSize(1);
        assertThat(models.inhouse.requests()).hasSize(1);
        // The gateway sends the backend's own model name upstream, not the route's.
        assertThat(lastBody(models.hosted).get("model").asText()).isEqualTo("big");
    }

    @Test
    void headersAndTenantOfTheBuilderReachTheRules() {
        try (SwitchboardChatModel byHeader = SwitchboardChatModel.builder().gateway(models.gateway)
                .modelName("scenario").header("X-Scenario", "aml-report").build();
             SwitchboardChatModel byTenant = SwitchboardChatModel.builder().gateway(models.gateway)
                .modelName("scenario").tenant("batch").build();
             SwitchboardChatModel plain = SwitchboardChatModel.builder().gateway(models.gateway)
                .modelName("scenario").tenant("retail-app").build()) {
            byHeader.chat("report");
            byTenant.chat("nightly");
            assertThat(models.hosted.requests()).hasSize(2);
            plain.chat("everyday");
            assertThat(models.inhouse.requests()).hasSize(1);
        }
        // Not owned: the gateway still serves after the models are closed.
        assertThat(model.chat("still open")).isEqualTo("still open");
    }

    @Test
    void toolsGoUpstreamAndAToolCallComesBackAsAToolExecutionRequestThenTheResultGoesBack() {
        models.callTools("{\"account\":\"42\",\"months\":3}");
        ToolSpecification balance = ToolSpecification.builder().name("account_balance")
                .description("The balance of an account over recent months")
                .parameters(JsonObjectSchema.builder()
                        .addProperty("account", JsonStringSchema.builder().description("account number").build())
                        .addProperty("months", new JsonIntegerSchema())
                        .addProperty("currency", JsonEnumSchema.builder().enumValues("CNY", "USD").build())
                        .addProperty("tags", JsonArraySchema.builder().items(new JsonStringSchema()).build())
                        .required("account").build())
                .build();
        UserMessage question = UserMessage.from("Balance of account 42?");
        ChatResponse first = model.chat(ChatRequest.builder().messages(question)
                .toolSpecifications(balance).toolChoice(ToolChoice.REQUIRED).build());

        assertThat(first.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        assertThat(first.aiMessage().text()).isNull();
        ToolExecutionRequest call = first.aiMessage().toolExecutionRequests().get(0);
        assertThat(call.name()).isEqualTo("account_balance");
        assertThat(call.arguments()).isEqualTo("{\"account\":\"42\",\"months\":3}");
        assertThat(call.id()).startsWith("call_mock_");

        JsonNode sent = lastBody(models.inhouse);
        assertThat(sent.get("tool_choice").asText()).isEqualTo("required");
        JsonNode function = sent.at("/tools/0/function");
        assertThat(sent.at("/tools/0/type").asText()).isEqualTo("function");
        assertThat(function.get("name").asText()).isEqualTo("account_balance");
        assertThat(function.get("description").asText()).startsWith("The balance");
        assertThat(function.at("/parameters/type").asText()).isEqualTo("object");
        assertThat(function.at("/parameters/properties/account/type").asText()).isEqualTo("string");
        assertThat(function.at("/parameters/properties/account/description").asText()).isEqualTo("account number");
        assertThat(function.at("/parameters/properties/months/type").asText()).isEqualTo("integer");
        assertThat(function.at("/parameters/properties/currency/enum/1").asText()).isEqualTo("USD");
        assertThat(function.at("/parameters/properties/tags/items/type").asText()).isEqualTo("string");
        assertThat(function.at("/parameters/required/0").asText()).isEqualTo("account");

        ChatResponse second = model.chat(ChatRequest.builder()
                .messages(question, first.aiMessage(), ToolExecutionResultMessage.from(call, "1,204.50 CNY"))
                .toolSpecifications(balance).build());
        assertThat(second.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(second.aiMessage().text()).isEqualTo("Balance of account 42?");

        JsonNode back = lastBody(models.inhouse);
        assertThat(back.at("/messages/1/role").asText()).isEqualTo("assistant");
        assertThat(back.at("/messages/1/content").isNull()).isTrue();
        assertThat(back.at("/messages/1/tool_calls/0/id").asText()).isEqualTo(call.id());
        assertThat(back.at("/messages/1/tool_calls/0/function/name").asText()).isEqualTo("account_balance");
        assertThat(back.at("/messages/1/tool_calls/0/function/arguments").asText()).isEqualTo(call.arguments());
        assertThat(back.at("/messages/2/role").asText()).isEqualTo("tool");
        assertThat(back.at("/messages/2/tool_call_id").asText()).isEqualTo(call.id());
        assertThat(back.at("/messages/2/content").asText()).isEqualTo("1,204.50 CNY");
    }

    @Test
    void jsonModeAndJsonSchemaReachTheUpstreamBody() {
        model.chat(ChatRequest.builder().messages(UserMessage.from("{\"ok\":true}"))
                .responseFormat(ResponseFormat.JSON).build());
        assertThat(lastBody(models.inhouse).at("/response_format/type").asText()).isEqualTo("json_object");

        JsonSchema schema = JsonSchema.builder().name("verdict").rootElement(JsonObjectSchema.builder()
                .addBooleanProperty("suspicious").required("suspicious").additionalProperties(false).build()).build();
        model.chat(ChatRequest.builder().messages(UserMessage.from("{\"suspicious\":false}"))
                .responseFormat(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(schema).build())
                .build());
        JsonNode format = lastBody(models.inhouse).get("response_format");
        assertThat(format.get("type").asText()).isEqualTo("json_schema");
        assertThat(format.at("/json_schema/name").asText()).isEqualTo("verdict");
        assertThat(format.at("/json_schema/schema/properties/suspicious/type").asText()).isEqualTo("boolean");
        assertThat(format.at("/json_schema/schema/additionalProperties").asBoolean(true)).isFalse();
    }

    @Test
    void customerDataForAnExternalOnlyRouteIsARefusalWithStatusAndRequestIdAndNothingLeaves() {
        assertThatThrownBy(() -> model.chat(ChatRequest.builder()
                .messages(UserMessage.from("Why was EMP123456 paid twice?"))
                .parameters(ChatRequestParameters.builder().modelName("premium").build()).build()))
                .isInstanceOf(SwitchboardRefusedException.class)
                .isInstanceOf(NonRetriableException.class)
                .hasMessageContaining("must stay internal")
                .satisfies(e -> {
                    SwitchboardRefusedException refused = (SwitchboardRefusedException) e;
                    assertThat(refused.status()).isEqualTo(503);
                    assertThat(refused.kind()).isEqualTo(ErrorKind.UNAVAILABLE);
                    assertThat(refused.requestId()).startsWith("req_");
                    assertThat(refused.getMessage()).contains(refused.requestId()).contains("status 503");
                });
        assertThat(models.hosted.requests()).isEmpty();
        assertThat(models.inhouse.requests()).isEmpty();
    }

    /** The agent's usual leak paths: a picture, a tool's arguments and its result; none may leave, none is echoed. */
    @Test
    void imagesAndToolTrafficWithCustomerDataNeverReachTheExternalModel() {
        ChatRequestParameters premium = ChatRequestParameters.builder().modelName("premium").build();
        List<ChatRequest> requests = List.of(
                ChatRequest.builder().parameters(premium).messages(UserMessage.from(
                        dev.langchain4j.data.message.TextContent.from("What does this ID card say?"),
                        dev.langchain4j.data.message.ImageContent.from("iVBORw0KGgoAAAANSUhEUgAAAAE", "image/png")))
                        .build(),
                ChatRequest.builder().parameters(premium).messages(
                        UserMessage.from("Pay the refund"),
                        dev.langchain4j.data.message.AiMessage.from(dev.langchain4j.agent.tool.ToolExecutionRequest
                                .builder().id("c1").name("refund").arguments("{\"employee\":\"EMP123456\"}").build()),
                        dev.langchain4j.data.message.ToolExecutionResultMessage.from("c1", "refund", "done"))
                        .build(),
                ChatRequest.builder().parameters(premium).messages(
                        UserMessage.from("Who was paid?"),
                        dev.langchain4j.data.message.AiMessage.from(dev.langchain4j.agent.tool.ToolExecutionRequest
                                .builder().id("c2").name("lookup").arguments("{}").build()),
                        dev.langchain4j.data.message.ToolExecutionResultMessage.from("c2", "lookup", "EMP123456"))
                        .build());
        for (ChatRequest request : requests) {
            assertThatThrownBy(() -> model.chat(request)).isInstanceOf(SwitchboardRefusedException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("EMP123456", "iVBORw0KGgo"));
        }
        assertThat(models.hosted.requests()).isEmpty();
    }

    @Test
    void anUnknownRouteIsRefusedAndAFailingUpstreamIsRetriable() {
        assertThatThrownBy(() -> model.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .parameters(ChatRequestParameters.builder().modelName("gpt-9").build()).build()))
                .isInstanceOfSatisfying(SwitchboardRefusedException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.kind()).isEqualTo(ErrorKind.MODEL_NOT_FOUND);
                });

        models.hosted.options(models.hosted.options().toBuilder().forcedStatus(503).build());
        assertThatThrownBy(() -> model.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .parameters(ChatRequestParameters.builder().modelName("premium").build()).build()))
                .isInstanceOf(RetriableException.class)
                .isInstanceOfSatisfying(SwitchboardUnavailableException.class,
                        e -> assertThat(e.status()).isGreaterThanOrEqualTo(500));
    }

    @Test
    void aModelWithoutARouteSaysSo() {
        try (SwitchboardChatModel unnamed = SwitchboardChatModel.builder().gateway(models.gateway).build()) {
            assertThatThrownBy(() -> unnamed.chat("hi")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("modelName");
        }
    }

    @Test
    void aModelBuiltFromAConfigFileOwnsItsGateway() throws Exception {
        java.nio.file.Path config = dir.resolve("own.yaml");
        java.nio.file.Files.writeString(config, """
                backends:
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [inhouse-10b] } ] }
                """.formatted(models.inhouse.baseUrl()));
        try (SwitchboardChatModel own = SwitchboardChatModel.builder().config(config).modelName("chat").build()) {
            assertThat(own.chat("from its own gateway")).isEqualTo("from its own gateway");
        }
        assertThatThrownBy(() -> SwitchboardChatModel.builder().modelName("chat").build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one");
    }

    @Test
    void anAiMessageWithToolCallsAndTextKeepsBoth() {
        AiMessage earlier = AiMessage.from("Let me look.", List.of(ToolExecutionRequest.builder().id("c1")
                .name("lookup").arguments("{}").build()));
        model.chat(ChatRequest.builder().messages(UserMessage.from("q"), earlier,
                ToolExecutionResultMessage.from("c1", "lookup", "done"), UserMessage.from("and now?")).build());
        JsonNode sent = lastBody(models.inhouse);
        assertThat(sent.at("/messages/1/content").asText()).isEqualTo("Let me look.");
        assertThat(sent.at("/messages/1/tool_calls/0/id").asText()).isEqualTo("c1");
    }
}
