package dev.switchboard.benchmarks;

import dev.switchboard.benchmarks.load.LoadGenerator;
import picocli.CommandLine.Option;

/** Where a client command sends its chat completions, and what they are like. A picocli mixin. */
final class Endpoint {
    @Option(names = "--host", defaultValue = "127.0.0.1")
    String host;

    @Option(names = "--port", required = true)
    int port;

    @Option(names = "--model", defaultValue = "chat", description = "The model (route) name to send.")
    String model;

    @Option(names = "--prompt-tokens", defaultValue = "200")
    int promptTokens;

    @Option(names = "--stream", description = "Ask for streamed answers.")
    boolean stream;

    /** @param keepConnections keep the connections open from one round to the next (see {@link LoadGenerator}) */
    LoadGenerator generator(boolean keepConnections) {
        return new LoadGenerator(host, port, keepConnections);
    }

    LoadGenerator.Workload workload() {
        return Workloads.chat(model, promptTokens, stream);
    }
}
