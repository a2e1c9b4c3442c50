package dev.switchboard.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.routing.NoCandidateException;
import dev.switchboard.server.http.DecisionJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Where a request would go and why, offline: on the config alone, without statistics or budgets (a running
 * sidecar's {@code POST /admin/explain} includes those).
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Show the routing decision for a request body, offline, without calling any backend.")
final class ExplainCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "The YAML config file.")
    Path config;

    @Option(names = {"-r", "--request"}, required = true, description = "A chat-completions request body (JSON file).")
    Path request;

    @Option(names = "--tenant", defaultValue = "anonymous", description = "The caller's tenant.")
    String tenant;

    @Option(names = {"-H", "--header"}, description = "A request header, name=value (repeatable).")
    List<String> headers = List.of();

    @Option(names = "--at", description = "Decide as at this instant (ISO-8601), for time-of-day rules.")
    Instant at;

    @Override
    public Integer call() throws Exception {
        GatewaySpec spec;
        try {
            spec = ConfigLoader.withSystemEnv().load(config);
        } catch (ConfigException e) {
            ValidateCommand.printErrors(config, e);
            return 1;
        }
        Map<String, String> h = new HashMap<>();
        for (String header : headers) {
            int eq = header.indexOf('=');
            if (eq <= 0) {
                System.err.println("--header " + header + ": expected name=value");
                return 2;
            }
            h.put(header.substring(0, eq).trim().toLowerCase(Locale.ROOT), header.substring(eq + 1).trim());
        }
        try {
            GatewayRequest call = new GatewayRequest(RequestView.chat(Files.readAllBytes(request)), h, tenant, null);
            // The same scan and policy as a live request: customer data keeps external backends out of the decision.
            Gateway.Preview preview = Gateway.preview(spec);
            Verdict verdict = preview.judge(call);
            if (verdict.outcome() == Verdict.Outcome.BLOCKED) {
                System.err.println("no decision: request blocked: it contains customer data ("
                        + verdict.found().describe() + ")");
                return 1;
            }
            var decision = preview.explain(call, verdict, at == null ? Instant.now() : at);
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(DecisionJson.of(decision, verdict)));
            return 0;
        } catch (NoCandidateException e) {
            System.err.println("no decision: " + e.getMessage());
            return 1;
        } catch (GatewayException e) {
            System.err.println("no decision: " + e.getMessage());
            return 1;
        }
    }
}
