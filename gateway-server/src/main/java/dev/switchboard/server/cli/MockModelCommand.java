package dev.switchboard.server.cli;

import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a simulated OpenAI-compatible model, to try routing rules without a GPU. */
@Command(name = "mock-model", mixinStandardHelpOptions = true,
        description = "Run a simulated OpenAI-compatible model server.")
final class MockModelCommand implements Callable<Integer> {
    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = {"-p", "--port"}, required = true, description = "Port to listen on (0 picks a free one).")
    int port;

    @Option(names = "--model", defaultValue = "mock-model", description = "Model name it reports (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--first-token-delay", defaultValue = "0ms", description = "Delay before the first token, e.g. 300ms.")
    Duration firstTokenDelay;

    @Option(names = "--tokens-per-second", defaultValue = "0", description = "Stream pace after the first token; 0 = unthrottled.")
    double tokensPerSecond;

    @Option(names = "--response-tokens", defaultValue = "16", description = "Tokens per answer (default: ${DEFAULT-VALUE}).")
    int responseTokens;

    @Option(names = "--status", defaultValue = "0", description = "Answer every request with this HTTP status.")
    int status;

    @Option(names = "--error-rate", defaultValue = "0", description = "Fraction (0..1) of requests answered with 500.")
    double errorRate;

    @Option(names = "--drop-after", defaultValue = "-1", description = "Cut streams after this many chunks.")
    int dropAfter;

    @Option(names = "--retry-after", defaultValue = "0", description = "Retry-After seconds on error answers.")
    int retryAfter;

    @Option(names = "--retry-after-date", description = "Retry-After on error answers as this HTTP date instead "
            + "(\"Mon, 30 Nov 2026 09:00:03 GMT\").")
    String retryAfterDate;

    @Option(names = "--whole-answers", description = "Answer stream: true with one whole JSON completion, as a "
            + "server that does not stream does.")
    boolean wholeAnswers;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the error-rate dice.")
    long seed;

    @Option(names = "--echo", description = "Answer with the last user message itself (shows what the model was given).")
    boolean echo;

    @Option(names = "--record-limit", defaultValue = "1000",
            description = "Requests kept in memory, shown at GET /__received (default: ${DEFAULT-VALUE}; 0 = none).")
    int recordLimit;

    @Option(names = "--log-bodies", description = "Print one line per request received: method, path and the whole "
            + "body.")
    boolean logBodies;

    /** The running server, once {@link #call()} has started it. */
    MockModelServer server;

    @Override
    public Integer call() {
        MockModelOptions options = MockModelOptions.builder().model(model).firstTokenDelay(firstTokenDelay)
                .tokensPerSecond(tokensPerSecond).responseTokens(responseTokens).forcedStatus(status)
                .errorRate(errorRate).dropAfterChunks(dropAfter).retryAfterSeconds(retryAfter)
                .retryAfterDate(retryAfterDate).wholeAnswers(wholeAnswers).seed(seed)
                .recordLimit(recordLimit).echo(echo).logBodies(logBodies).build();
        server = MockModelServer.start(host, port, options);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "mock-model-shutdown"));
        String base = "http://" + host + ":" + server.port();
        System.out.printf("mock model '%s' listening at %s/v1 (what it received: GET %s/__received)%n",
                model, base, base);
        return 0;
    }
}
