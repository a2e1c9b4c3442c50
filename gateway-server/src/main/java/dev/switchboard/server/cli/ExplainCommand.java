package dev.switchboard.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.compliance.CompliancePolicy;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.routing.RoutingInput;
import dev.switchboard.core.routing.RoutingTable;
import dev.switchboard.server.http.DecisionJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
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
            RequestView view = RequestView.chat(Files.readAllBytes(request));
            // The same scan and policy as a live request: customer data keeps external backends out of the decision.
            CompliancePolicy.Verdict verdict = new CompliancePolicy(spec.compliance()).judge(view);
            if (verdict.outcome() == CompliancePolicy.Outcome.BLOCKED) {
                System.err.println("no decision: request blocked: it contains customer data ("
                        + verdict.found().describe() + ")");
                return 1;
            }
            RoutingInput input = new RoutingInput(view, h, tenant, at == null ? Instant.now() : at, verdict.found());
            var decision = RoutingTable.compile(spec).decide(input, new Random());
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter()
                    .writeValueAsString(DecisionJson.of(decision, verdict)));
            return 0;
        } catch (RoutingTable.NoCandidateException e) {
            System.err.println("no decision: " + e.getMessage());
            return 1;
        } catch (GatewayException e) {
            System.err.println("no decision: " + e.getMessage());
            return 1;
        }
    }
}
