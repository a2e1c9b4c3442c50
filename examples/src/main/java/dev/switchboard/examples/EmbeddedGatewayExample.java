package dev.switchboard.examples;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.GatewayResponse;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Switchboard as a library in a plain Java program: load the example config, send one request the in-house model
 * answers, one the rules send to the hosted model, and one streamed answer.
 *
 * <p>So that it runs anywhere, it starts two simulated models first and points the config at them through
 * {@code ${env:…}}; with real models, set {@code DEMO_HOSTED_URL} and {@code DEMO_INHOUSE_URL} instead.
 */
public final class EmbeddedGatewayExample {
    private EmbeddedGatewayExample() {
    }

    public static void main(String[] args) throws Exception {
        run(Path.of(args.length > 0 ? args[0] : "examples/configs/demo.yaml"), System.out);
    }

    /** Runs the example against the config file, printing to {@code out}; returns the backends that answered. */
    public static String run(Path config, PrintStream out) throws InterruptedException {
        try (MockModelServer hosted = MockModelServer.start(MockModelOptions.builder().model("big-model-v3")
                     .firstTokenDelay(Duration.ofMillis(100)).build());
             MockModelServer inhouse = MockModelServer.start(MockModelOptions.builder().model("glm-4-9b-chat")
                     .build())) {
            Map<String, String> env = Map.of("DEMO_HOSTED_URL", hosted.baseUrl(), "DEMO_INHOUSE_URL",
                    inhouse.baseUrl());
            GatewayOptions options = GatewayOptions.defaults().withEnv(name -> env.getOrDefault(name, System.getenv(name)));
            try (Gateway gateway = Gateway.fromConfig(config, options)) {
                String question = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":"
                        + "\"Summarise the last quarter of account 42.\"}]}";

                GatewayResponse everyday = gateway.chat(GatewayRequest.chat(question));
                out.println("everyday question -> " + everyday.backend() + ": " + everyday.decision().explain());

                GatewayRequest report = new GatewayRequest(RequestView.chat(question),
                        Map.of("x-scenario", "aml-report"), "compliance", null);
                GatewayResponse aml = gateway.chat(report);
                out.println("AML report        -> " + aml.backend() + ": " + aml.decision().explain());

                StringBuilder streamed = new StringBuilder();
                CountDownLatch done = new CountDownLatch(1);
                String streaming = question.replace("{\"model\":\"chat\",", "{\"model\":\"chat\",\"stream\":true,");
                gateway.chatStream(GatewayRequest.chat(streaming), new StreamListener() {
                    @Override
                    public void onStart(RoutingDecision decision, String backend) {
                        streamed.append(backend).append(" streams:");
                    }

                    @Override
                    public void onEvent(String data) {
                        streamed.append(' ').append(data.length()).append('B');
                    }

                    @Override
                    public void onComplete(Usage usage, String finishReason) {
                        streamed.append(" (").append(usage.completionTokens()).append(" tokens, ")
                                .append(finishReason).append(')');
                        done.countDown();
                    }

                    @Override
                    public void onError(GatewayException error, boolean started) {
                        streamed.append(" failed: ").append(error.getMessage());
                        done.countDown();
                    }
                });
                if (!done.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("stream did not finish");
                }
                out.println("streamed          -> " + streamed);
                return everyday.backend() + "," + aml.backend();
            }
        }
    }

}
