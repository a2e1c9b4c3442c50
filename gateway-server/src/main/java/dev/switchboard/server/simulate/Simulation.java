package dev.switchboard.server.simulate;

import dev.switchboard.core.config.GatewaySpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs one or two configs over the same traffic and renders the comparison. */
public final class Simulation {
    private Simulation() {
    }

    /**
     * @param progress where the progress bar goes (stderr on the command line), or null
     * @return the report in {@code format} ({@code table}, {@code json}, {@code csv})
     */
    public static String run(GatewaySpec a, String labelA, GatewaySpec b, String labelB, Path trafficFile, long seed,
            String format, PrintStream progress) throws IOException {
        List<TrafficRecord> traffic = TrafficReader.read(trafficFile);
        Map<String, SimulationResult> results = new LinkedHashMap<>();
        results.put(labelA, new Simulator(a, seed).run(traffic, bar(progress, labelA)));
        if (b != null) {
            results.put(labelB.equals(labelA) ? labelB + " (B)" : labelB,
                    new Simulator(b, seed).run(traffic, bar(progress, labelB)));
        }
        SimulationReport report = new SimulationReport(results);
        return switch (format) {
            case "json" -> report.json() + "\n";
            case "csv" -> report.csv();
            default -> report.table();
        };
    }

    private static java.util.function.IntConsumer bar(PrintStream out, String label) {
        if (out == null) {
            return p -> { };
        }
        return p -> {
            int filled = p / 5;
            out.print("\r" + label + " [" + "#".repeat(filled) + " ".repeat(20 - filled) + "] " + p + "%");
            if (p >= 100) {
                out.println();
            }
        };
    }
}
