package dev.switchboard.benchmarks;

import dev.switchboard.benchmarks.load.LoadGenerator;
import dev.switchboard.benchmarks.load.LoadResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A light client that measures what a request meets at the server while the load generator's own lateness is kept out
 * of it: another benchmark starts it as its own process at a high CPU priority ({@code nice -n -20}) on the load's
 * core, so it reads its answers when they arrive, not when the generator and the model leave it the core. It runs a
 * round for each {@code run RATE SECONDS} line on its standard input and answers each with one {@link Canary.Result}
 * line; {@code quit} (or the end of its input) ends it.
 */
@Command(name = "canary", mixinStandardHelpOptions = true,
        description = "Send a few requests per second on command (stdin: run RATE SECONDS); print one line per round.")
final class CanaryCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    Endpoint endpoint;

    @Option(names = "--connections", defaultValue = "" + Canary.CONNECTIONS)
    int connections;

    @Override
    public Integer call() throws Exception {
        LoadGenerator.Workload work = endpoint.workload();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (LoadGenerator generator = endpoint.generator(true)) {
            System.out.println(Canary.READY);
            System.out.flush();
            String line;
            while ((line = in.readLine()) != null && !line.isBlank() && !line.equals("quit")) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length != 3 || !parts[0].equals("run")) {
                    System.out.println("error: expected 'run RATE SECONDS', got: " + line);
                    System.out.flush();
                    continue;
                }
                double rate = Double.parseDouble(parts[1]);
                Duration length = Duration.ofMillis(Math.round(Double.parseDouble(parts[2]) * 1000));
                LoadResult r = generator.run(work, rate, connections, length);
                System.out.println(Canary.Result.of(r).line());
                System.out.flush();
            }
        }
        return 0;
    }
}
