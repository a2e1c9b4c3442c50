package dev.switchboard.examples;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.service.AiServices;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.langchain4j.SwitchboardChatModel;
import dev.switchboard.langchain4j.SwitchboardStreamingChatModel;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Switchboard behind LangChain4j: the example config's {@code chat} route as a {@code ChatModel}, an AI service
 * whose tool the model calls, and a streamed answer. The route is the model name; the gateway routes, fails over
 * and keeps customer data in-house as for any other caller.
 *
 * <p>So that it runs anywhere, it starts two simulated models first (they call a tool when one is offered) and
 * points the config at them through {@code ${env:…}}; with real models, set {@code DEMO_HOSTED_URL} and
 * {@code DEMO_INHOUSE_URL} instead.
 */
public final class LangChain4jExample {
    private LangChain4jExample() {
    }

    /** What the AI service can do; LangChain4j implements it over the model. */
    interface AccountAssistant {
        String answer(String question);
    }

    /** A tool the model may call: LangChain4j runs it and sends the result back. */
    static final class AccountTools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool("The balance of a customer's account")
        String accountBalance(@P("the account number") String account) {
            calls.add("accountBalance(" + account + ")");
            return "1,204.50 CNY";
        }
    }

    public static void main(String[] args) throws Exception {
        run(Path.of(args.length > 0 ? args[0] : "examples/configs/demo.yaml"), System.out);
    }

    /** Runs the example against the config file, printing to {@code out}; returns the tool calls made. */
    public static List<String> run(Path config, PrintStream out) throws Exception {
        MockModelOptions callsTools = MockModelOptions.builder().toolArguments("{\"account\":\"42\"}").build();
        try (MockModelServer hosted = MockModelServer.start(callsTools.toBuilder().model("big-model-v3").build());
             MockModelServer inhouse = MockModelServer.start(callsTools.toBuilder().model("glm-4-9b-chat").build())) {
            Map<String, String> env = Map.of("DEMO_HOSTED_URL", hosted.baseUrl(), "DEMO_INHOUSE_URL",
                    inhouse.baseUrl());
            GatewayOptions options = GatewayOptions.defaults().withEnv(name -> env.getOrDefault(name, System.getenv(name)));
            try (Gateway gateway = Gateway.fromConfig(config, options)) {
                ChatModel model = SwitchboardChatModel.builder().gateway(gateway).modelName("chat")
                        .tenant("retail-app").build();
                out.println("plain answer      -> " + model.chat("Summarise the last quarter of account 42."));

                AccountTools tools = new AccountTools();
                AccountAssistant assistant = AiServices.builder(AccountAssistant.class).chatModel(model).tools(tools)
                        .build();
                String answer = assistant.answer("What is the balance of account 42?");
                out.println("tool called       -> " + String.join(", ", tools.calls));
                out.println("assistant answer  -> " + answer);

                SwitchboardStreamingChatModel streaming = SwitchboardStreamingChatModel.builder().gateway(gateway)
                        .modelName("chat").build();
                List<String> pieces = new CopyOnWriteArrayList<>();
                CompletableFuture<ChatResponse> done = new CompletableFuture<>();
                streaming.chat("Summarise the last quarter of account 42.", new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String text) {
                        pieces.add(text);
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
                ChatResponse streamed = done.get(30, TimeUnit.SECONDS);
                out.println("streamed          -> " + pieces.size() + " pieces, " + streamed.finishReason() + ", "
                        + streamed.tokenUsage().outputTokenCount() + " tokens: " + streamed.aiMessage().text());
                return tools.calls;
            }
        }
    }
}
