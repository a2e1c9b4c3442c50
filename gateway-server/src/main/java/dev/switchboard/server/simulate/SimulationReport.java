package dev.switchboard.server.simulate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** Results of one or two configs, side by side: as a table, JSON or CSV. */
final class SimulationReport {
    private final Map<String, SimulationResult> results; // label -> result, in order

    SimulationReport(Map<String, SimulationResult> results) {
        this.results = new LinkedHashMap<>(results);
    }

    /** Rows of (metric, value per config), the one model behind every format. */
    private List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>(List.of("metric"));
        header.addAll(results.keySet());
        rows.add(header);
        TreeSet<String> backends = new TreeSet<>();
        TreeSet<String> tenants = new TreeSet<>();
        TreeSet<String> scenarios = new TreeSet<>();
        TreeSet<String> rules = new TreeSet<>();
        TreeSet<String> rejections = new TreeSet<>();
        TreeSet<String> budgets = new TreeSet<>();
        for (SimulationResult r : results.values()) {
            backends.addAll(r.perBackend.keySet());
            tenants.addAll(r.costPerTenant.keySet());
            scenarios.addAll(r.perScenario.keySet());
            rules.addAll(r.ruleHits.keySet());
            rejections.addAll(r.rejected.keySet());
            budgets.addAll(r.budgetTenants);
        }
        row(rows, "requests", r -> Long.toString(r.requests));
        row(rows, "total cost", r -> money(r.totalCost) + " " + r.currency);
        for (String b : backends) {
            row(rows, "backend " + b + " requests", r -> Long.toString(r.perBackend.getOrDefault(b, new long[3])[0]));
            row(rows, "backend " + b + " prompt tokens", r -> Long.toString(r.perBackend.getOrDefault(b,
                    new long[3])[1]));
            row(rows, "backend " + b + " output tokens", r -> Long.toString(r.perBackend.getOrDefault(b,
                    new long[3])[2]));
        }
        for (String t : tenants) {
            row(rows, "tenant " + t + " cost", r -> money(r.costPerTenant.getOrDefault(t, 0.0)));
        }
        for (String s : scenarios) {
            row(rows, "scenario " + s + " first token p50 ms", r -> ms(r.percentileMillis(s, 0, 50)));
            row(rows, "scenario " + s + " first token p95 ms", r -> ms(r.percentileMillis(s, 0, 95)));
            row(rows, "scenario " + s + " total p50 ms", r -> ms(r.percentileMillis(s, 1, 50)));
            row(rows, "scenario " + s + " total p95 ms", r -> ms(r.percentileMillis(s, 1, 95)));
            row(rows, "scenario " + s + " SLO violations", r -> Long.toString(r.sloViolations.getOrDefault(s, 0L)));
        }
        row(rows, "spill-overs", r -> Long.toString(r.spillOvers));
        row(rows, "cache hits", r -> Long.toString(r.cacheHits));
        for (String j : rejections) {
            row(rows, "rejected " + j, r -> Long.toString(r.rejected.getOrDefault(j, 0L)));
        }
        for (String t : budgets) {
            row(rows, "budget " + t + " exhausted at", r -> r.budgetExhausted.containsKey(t)
                    ? String.format(Locale.ROOT, "%.0f s", r.budgetExhausted.get(t)) : "never");
        }
        for (String rule : rules) {
            row(rows, rule + " hits", r -> Long.toString(r.ruleHits.getOrDefault(rule, 0L)));
        }
        return rows;
    }

    private void row(List<List<String>> rows, String metric, java.util.function.Function<SimulationResult, String> f) {
        List<String> row = new ArrayList<>(List.of(metric));
        results.values().forEach(r -> row.add(f.apply(r)));
        rows.add(row);
    }

    String table() {
        List<List<String>> rows = rows();
        int[] widths = new int[rows.get(0).size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                sb.append(i == 0 ? String.format("%-" + widths[i] + "s", cell)
                        : String.format("  %" + widths[i] + "s", cell));
            }
            sb.append('\n');
            if (r == 0) {
                sb.append("-".repeat(sb.length() - 1)).append('\n');
            }
        }
        return sb.toString();
    }

    String csv() {
        StringBuilder sb = new StringBuilder();
        for (List<String> row : rows()) {
            sb.append(String.join(",", row.stream().map(SimulationReport::csvCell).toList())).append('\n');
        }
        return sb.toString();
    }

    String json() {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        List<List<String>> rows = rows();
        List<String> labels = rows.get(0).subList(1, rows.get(0).size());
        for (int c = 0; c < labels.size(); c++) {
            ObjectNode config = root.putObject(labels.get(c));
            for (List<String> row : rows.subList(1, rows.size())) {
                config.put(row.get(0), row.get(c + 1));
            }
        }
        return root.toPrettyString();
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private static String money(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String ms(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }
}
