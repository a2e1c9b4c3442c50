package dev.switchboard.server.simulate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What one config did with the traffic. Mutable while the simulation runs; read after. */
final class SimulationResult {
    final Map<String, long[]> perBackend = new TreeMap<>();          // requests, prompt tokens, output tokens
    final Map<String, Double> costPerTenant = new TreeMap<>();
    final Map<String, List<double[]>> perScenario = new TreeMap<>();  // first token, total (seconds)
    final Map<String, Long> sloViolations = new TreeMap<>();
    final Map<String, Long> rejected = new TreeMap<>();
    final Map<String, Long> ruleHits = new TreeMap<>();
    final Map<String, Double> budgetExhausted = new TreeMap<>();
    final java.util.Set<String> budgetTenants = new java.util.TreeSet<>();
    long spillOvers;
    long cacheHits;
    long requests;
    double totalCost;
    String currency = "";

    void served(TrafficRecord r, String backend, int promptTokens, double cost, String cur, double firstToken,
            double total, boolean spilled, boolean overSlo) {
        requests++;
        long[] b = perBackend.computeIfAbsent(backend, k -> new long[3]);
        b[0]++;
        b[1] += promptTokens;
        b[2] += r.outputTokens();
        costPerTenant.merge(r.tenant(), cost, Double::sum);
        totalCost += cost;
        if (cost > 0) {
            currency = cur;
        }
        perScenario.computeIfAbsent(r.scenario(), k -> new ArrayList<>()).add(new double[] {firstToken, total});
        if (spilled) {
            spillOvers++;
        }
        if (overSlo) {
            sloViolations.merge(r.scenario(), 1L, Long::sum);
        }
    }

    void rejected(String scenario, String code) {
        requests++;
        rejected.merge(code, 1L, Long::sum);
    }

    /** Answered from the cache: no backend, no cost. */
    void cacheHit(TrafficRecord r, double firstToken, double total) {
        requests++;
        cacheHits++;
        perScenario.computeIfAbsent(r.scenario(), k -> new ArrayList<>()).add(new double[] {firstToken, total});
    }

    void ruleHits(String route, int rule, long hits) {
        ruleHits.merge(route + " rule " + rule, hits, Long::sum);
    }

    /** The p-th percentile (0..100) of column {@code col} of a scenario's latencies, in milliseconds. */
    double percentileMillis(String scenario, int col, double p) {
        List<double[]> xs = perScenario.getOrDefault(scenario, List.of());
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> v = new ArrayList<>(xs.size());
        xs.forEach(x -> v.add(x[col]));
        Collections.sort(v);
        int i = (int) Math.ceil(p / 100 * v.size()) - 1;
        return v.get(Math.max(0, Math.min(v.size() - 1, i))) * 1000;
    }
}
