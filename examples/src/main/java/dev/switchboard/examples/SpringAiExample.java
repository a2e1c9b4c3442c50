package dev.switchboard.examples;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.springai.SwitchboardChatModel;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;

/**
 * Switchboard behind Spring AI, without Spring Boot: the example config's {@code chat} route as a {@code ChatModel}
 * under a {@code ChatClient} — a call, a call whose tool the model calls (the client's tool-calling advisor runs it),
 * and a streamed answer. The route is the options' model.
 *
 * <p>So that it runs anywhere, it starts two simulated models first (they call a tool when one is offered) and
 * points the config at them through {@code ${env:…}}; with real models, set {@code DEMO_HOSTED_URL} and
 * {@code DEMO_INHOUSE_URL} instead.
 */
public final class SpringAiExample {
    private SpringAiExample() {
    }

    /** A tool the model may call. */
    static final class AccountTools {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool(description = "The balance of a customer's account")
        String accountBalance(@ToolParam(description = "the account number") String account) {
            calls.add("accountBalance(" + account + ")");
            return "1,204.50 CNY";
        }
    }

    public static void main(String[] args) {
        run(Path.of(args.length > 0 ? args[0] : "examples/configs/demo.yaml"), System.out);
    }

    /** Runs the example against the config file, printing to {@code out}; returns the tool calls made. */
    public static List<String> run(Path config, PrintStream out) {
        MockModelOptions callsTools = MockModelOptions.builder().toolArguments("{\"account\":\"42\"}").build();
        try (MockModelServer hosted = MockModelServer.start(callsTools.toBuilder().model("big-model-v3").build());
             MockModelServer inhouse = MockModelServer.start(callsTools.toBuilder().model("glm-4-9b-chat").build())) {
            Map<String, String> env = Map.of("DEMO_HOSTED_URL", hosted.baseUrl(), "DEMO_INHOUSE_URL",
                    inhouse.baseUrl());
            GatewayOptions options = GatewayOptions.defaults().withEnv(name -> env.getOrDefault(name, System.getenv(name)));
            try (Gateway gateway = Gateway.fromConfig(config, options)) {
                SwitchboardChatModel model = SwitchboardChatModel.builder().gateway(gateway).model("chat")
                        .tenant("retail-app").build();
                ChatClient client = ChatClient.create(model);

                ChatResponse response = client.prompt().user("Summarise the last quarter of account 42.").call()
                        .chatResponse();
                out.println("plain answer      -> " + response.getMetadata().get("switchboard.backend") + ", "
                        + response.getMetadata().getUsage().getTotalTokens() + " tokens: "
                        + response.getResult().getOutput().getText());

                AccountTools tools = new AccountTools();
                String answer = client.prompt().user("What is the balance of account 42?").tools(tools).call()
                        .content();
                out.println("tool called       -> " + String.join(", ", tools.calls));
                out.println("assistant answer  -> " + answer);

                List<String> pieces = client.prompt().user("Summarise the last quarter of account 42.").stream()
                        .content().collectList().block(Duration.ofSeconds(30));
                out.println("streamed          -> " + pieces.size() + " pieces: " + String.join("", pieces));
                return tools.calls;
            }
        }
    }
}
