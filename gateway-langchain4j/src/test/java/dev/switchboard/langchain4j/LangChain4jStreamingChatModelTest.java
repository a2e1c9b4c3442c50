package dev.switchboard.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LangChain4jStreamingChatModelTest {
    @TempDir
    Path dir;
    private TwoModels models;
    private SwitchboardStreamingChatModel model;

    @BeforeEach
    void start() throws Exception {
        models = new TwoModels(dir);
        model = SwitchboardStreamingChatModel.builder().gateway(models.gateway).modelName("chat").build();
    }

    @AfterEach
    void stop() {
        model.close();
        models.close();
    }

    /** Everything one stream told its handler, in order. */
    static final class Recorder implements StreamingChatResponseHandler {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<String> partials = new CopyOnWriteArrayList<>();
        final List<PartialToolCall> toolPieces = new CopyOnWriteArrayList<>();
        final List<CompleteToolCall> toolCalls = new CopyOnWriteArrayList<>();
        final CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        @Override
        public void onPartialResponse(String text) {
            events.add("partial");
            partials.add(text);
        }

        @Override
        public void onPartialToolCall(PartialToolCall piece) {
            events.add("tool-piece");
            toolPieces.add(piece);
        }

        @Override
        public void onCompleteToolCall(CompleteToolCall call) {
            events.add("tool-call");
            toolCalls.add(call);
        }

        @Override
        public void onCompleteResponse(ChatResponse response) {
            events.add("complete");
            done.complete(response);
        }

        @Override
        public void onError(Throwable error) {
            events.add("error");
            done.completeExceptionally(error);
        }

        ChatResponse await() throws Exception {
            return done.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void textArrivesInOrderAndTheCompleteResponseHasAllOfItWithUsage() throws Exception {
        Recorder recorder = new Recorder();
        model.chat(ChatRequest.builder().messages(UserMessage.from("Quarterly summary of account 42"))
                .parameters(ChatRequestParameters.builder().temperature(0.1).build()).build(), recorder);
        ChatResponse response = recorder.await();

        assertThat(recorder.partials).containsExactly("Quart", "erly ", "summa", "ry of", " acco", "unt 4", "2");
        assertThat(recorder.events).last().isEqualTo("complete");
        assertThat(response.aiMessage().text()).isEqualTo("Quarterly summary of account 42");
        assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(response.tokenUsage()).isNotNull();
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(7);
        assertThat(response.tokenUsage().inputTokenCount()).isPositive();
        assertThat(response.id()).startsWith("chatcmpl-mock-");
        assertThat(response.modelName()).isEqualTo("small");

        JsonNode sent = models.inhouse.requests().get(0).json();
        assertThat(sent.get("stream").asBoolean()).isTrue();
        assertThat(sent.at("/stream_options/include_usage").asBoolean()).isTrue();
        assertThat(sent.get("temperature").asDouble()).isEqualTo(0.1);
    }

    @Test
    void streamedToolCallPiecesAreAssembledIntoWholeCalls() throws Exception {
        String arguments = "{\"account\":\"42\",\"months\":3,\"currency\":\"CNY\"}";
        models.callTools(arguments);
        Recorder recorder = new Recorder();
        model.chat(ChatRequest.builder().messages(UserMessage.from("Balance of account 42?"))
                .toolSpecifications(ToolSpecification.builder().name("account_balance").build()).build(), recorder);
        ChatResponse response = recorder.await();

        assertThat(recorder.toolPieces.size()).isGreaterThan(2);
        assertThat(recorder.toolPieces.get(0).name()).isEqualTo("account_balance");
        assertThat(String.join("", recorder.toolPieces.stream().map(PartialToolCall::partialArguments).toList()))
                .isEqualTo(arguments);
        assertThat(recorder.toolCalls).singleElement().satisfies(c -> {
            assertThat(c.index()).isZero();
            assertThat(c.toolExecutionRequest().arguments()).isEqualTo(arguments);
        });
        assertThat(recorder.events).endsWith("tool-call", "complete");
        assertThat(response.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
        assertThat(response.aiMessage().text()).isNull();
        assertThat(response.aiMessage().toolExecutionRequests()).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("account_balance");
            assertThat(r.id()).startsWith("call_mock_");
            assertThat(r.arguments()).isEqualTo(arguments);
        });
        assertThat(models.inhouse.requests().get(0).json().at("/tools/0/function/parameters/type").asText())
                .isEqualTo("object");
    }

    @Test
    void customerDataForAnExternalOnlyRouteEndsTheStreamWithARefusalAndNothingLeaves() {
        Recorder recorder = new Recorder();
        model.chat(ChatRequest.builder().messages(UserMessage.from("Pay EMP123456 again"))
                .parameters(ChatRequestParameters.builder().modelName("premium").build()).build(), recorder);
        assertThat(recorder.done).failsWithin(java.time.Duration.ofSeconds(30))
                .withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOfSatisfying(SwitchboardRefusedException.class, e -> {
                    assertThat(e.requestId()).startsWith("req_");
                    assertThat(e.getMessage()).contains("must stay internal");
                });
        assertThat(recorder.events).containsExactly("error");
        assertThat(models.hosted.requests()).isEmpty();
    }

    @Test
    void aHandlerThatThrowsEndsTheStreamWithOneError() throws Exception {
        CompletableFuture<Throwable> error = new CompletableFuture<>();
        List<String> seen = new CopyOnWriteArrayList<>();
        model.chat(ChatRequest.builder().messages(UserMessage.from("a long enough question")).build(),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String text) {
                        seen.add(text);
                        throw new IllegalStateException("the UI went away");
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        seen.add("complete");
                    }

                    @Override
                    public void onError(Throwable e) {
                        seen.add("error");
                        error.complete(e);
                    }
                });
        assertThat(error.get(30, TimeUnit.SECONDS)).hasMessage("the UI went away");
        Thread.sleep(200); // nothing more may follow
        assertThat(seen).containsExactly("a lon", "error");
    }
}
