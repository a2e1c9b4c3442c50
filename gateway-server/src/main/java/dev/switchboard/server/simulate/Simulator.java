package dev.switchboard.server.simulate;

import dev.switchboard.core.GatewayException;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.budget.BudgetLedger;
import dev.switchboard.core.compliance.CompliancePolicy;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.config.Residency;
import dev.switchboard.core.routing.Costs;
import dev.switchboard.core.routing.LiveSignals;
import dev.switchboard.core.routing.RoutingDecision;
import dev.switchboard.core.routing.RoutingInput;
import dev.switchboard.core.routing.RoutingTable;
import dev.switchboard.core.stats.BackendStats;
import dev.switchboard.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * Replays traffic through the real routing code — the same rules, strategies, statistics, capacity slots and
 * budget ledger as the gateway — against simulated backends whose speed and capacity come from the config
 * ({@code expected.first-token} with a log-normal spread, {@code expected.tokens-per-second},
 * {@code limits.max-concurrency}), in simulated time: a day of traffic takes seconds.
 */
final class Simulator {
    private static final Instant START = Instant.parse("2026-01-05T00:00:00Z"); // a Monday
    private static final double FIRST_TOKEN_SPREAD = 0.35;

    private final GatewaySpec spec;
    private final long seed;
    private final CompliancePolicy policy;

    Simulator(GatewaySpec spec, long seed) {
        this.spec = spec;
        this.seed = seed;
        this.policy = new CompliancePolicy(spec.compliance());
    }

    /** A call in progress: when it ends, and what it holds. */
    private record Running(double endAt, String backend, BudgetLedger.Reservation reservation, double cost,
            double firstTokenSeconds, double tps) {
    }

    SimulationResult run(List<TrafficRecord> traffic, IntConsumer progress) {
        ManualClock clock = new ManualClock(START);
        RoutingTable table = RoutingTable.compile(spec);
        Map<String, BackendStats> stats = new HashMap<>();
        Map<String, BackendSpec> backends = new HashMap<>();
        for (BackendSpec b : spec.backends()) {
            stats.put(b.name(), new BackendStats(b.name(), b.limits().maxConcurrency(), clock));
            backends.put(b.name(), b);
        }
        BudgetLedger ledger = new BudgetLedger(spec.budgets(), clock);
        LiveSignals signals = new LiveSignals() {
            @Override
            public BackendStats stats(String backend) {
                return stats.get(backend);
            }

            @Override
            public Optional<BudgetSpec.WhenExhausted> exhaustedBudget(String tenant) {
                return ledger.exhausted(tenant) ? ledger.budget(tenant).map(BudgetSpec::whenExhausted)
                        : Optional.empty();
            }
        };
        Random random = new Random(seed);
        PriorityQueue<Running> running = new PriorityQueue<>((a, b) -> Double.compare(a.endAt(), b.endAt()));
        SimulationResult result = new SimulationResult();
        spec.budgets().forEach(b -> result.budgetTenants.add(b.tenant()));
        int done = 0;
        for (TrafficRecord r : traffic) {
            // Calls that ended before this arrival give back their slot and settle their cost first.
            while (!running.isEmpty() && running.peek().endAt() <= r.offsetSeconds()) {
                finish(running.poll(), clock, stats);
            }
            clock.set(START.plusMillis((long) (r.offsetSeconds() * 1000)));
            serve(r, table, backends, stats, ledger, signals, random, running, result, clock);
            for (BudgetSpec b : spec.budgets()) {
                if (ledger.exhausted(b.tenant())) {
                    result.budgetExhausted.putIfAbsent(b.tenant(), r.offsetSeconds());
                }
            }
            if (++done % Math.max(1, traffic.size() / 50) == 0) {
                progress.accept(done * 100 / traffic.size());
            }
        }
        while (!running.isEmpty()) {
            finish(running.poll(), clock, stats);
        }
        progress.accept(100);
        return result;
    }

    private void serve(TrafficRecord r, RoutingTable table, Map<String, BackendSpec> backends,
            Map<String, BackendStats> stats, BudgetLedger ledger, LiveSignals signals, Random random,
            PriorityQueue<Running> running, SimulationResult result, ManualClock clock) {
        RequestView view = RequestView.chat(body(r));
        // The same scan and policy as a live request.
        CompliancePolicy.Verdict verdict = policy.judge(view);
        if (verdict.outcome() == CompliancePolicy.Outcome.BLOCKED) {
            result.rejected(r.scenario(), dev.switchboard.core.ErrorKind.SENSITIVE_DATA_BLOCKED.code());
            return;
        }
        RoutingDecision decision;
        try {
            decision = table.decide(new RoutingInput(view, r.headers(), r.tenant(), clock.instant(),
                    verdict.found()), random, signals);
        } catch (GatewayException e) {
            result.rejected(r.scenario(), e.kind().code());
            return;
        }
        result.ruleHit(decision.route(), decision.ruleIndex());
        for (int i = 0; i < decision.candidates().size(); i++) {
            BackendSpec b = backends.get(decision.candidates().get(i));
            if (!verdict.outcome().allowsExternal() && b.residency() == Residency.EXTERNAL) {
                continue; // as admission does: customer data never goes out, whatever the decision says
            }
            BackendStats s = stats.get(b.name());
            if (!s.tryAcquire()) {
                continue;
            }
            boolean internalOnly = b.residency() == Residency.INTERNAL && ledger.budget(r.tenant())
                    .map(x -> x.whenExhausted() == BudgetSpec.WhenExhausted.INTERNAL_ONLY).orElse(false);
            Optional<BudgetLedger.Reservation> reservation = ledger.reserve(r.tenant(),
                    Costs.worstCase(b, decision.promptTokens(), r.outputTokens()), internalOnly);
            if (reservation.isEmpty()) {
                s.release();
                continue;
            }
            double firstToken = sampleFirstToken(b, random);
            double tps = b.expected().tokensPerSecond() > 0 ? b.expected().tokensPerSecond() : 30;
            double total = firstToken + r.outputTokens() / tps;
            double cost = Costs.actual(b, Math.round(decision.promptTokens() * b.tokenFactor()), r.outputTokens());
            running.add(new Running(r.offsetSeconds() + total, b.name(), reservation.get(), cost, firstToken, tps));
            boolean spilled = i > 0 || decision.traces().stream().anyMatch(t -> t.excluded());
            double slo = decision.traces().isEmpty() ? Double.NaN : sloSeconds(table, decision);
            result.served(r, b.name(), decision.promptTokens(), cost, b.price().currency(), firstToken, total, spilled,
                    !Double.isNaN(slo) && firstToken > slo);
            return;
        }
        result.rejected(r.scenario(), "no_backend_available");
    }

    private double sloSeconds(RoutingTable table, RoutingDecision decision) {
        return spec.routes().stream().filter(rt -> rt.name().equals(decision.route())).findFirst()
                .map(rt -> rt.rules().get(decision.ruleIndex()).slo().firstTokenP95())
                .map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    private static void finish(Running c, ManualClock clock, Map<String, BackendStats> stats) {
        Instant end = START.plusMillis((long) (c.endAt() * 1000));
        if (end.isAfter(clock.instant())) {
            clock.set(end);
        }
        BackendStats s = stats.get(c.backend());
        s.release();
        s.recordFirstToken(Duration.ofMillis((long) (c.firstTokenSeconds() * 1000)));
        s.recordTokensPerSecond(c.tps());
        s.recordSuccess();
        c.reservation().settle(c.cost());
    }

    private static double sampleFirstToken(BackendSpec b, Random random) {
        double median = b.expected().firstToken() == null ? 0.5 : b.expected().firstToken().toNanos() / 1e9;
        return median * Math.exp(FIRST_TOKEN_SPREAD * random.nextGaussian());
    }

    /** A chat body the routing code reads: the recorded prompt, or a prompt of about the recorded size. */
    private static String body(TrafficRecord r) {
        String text = r.prompt() != null ? r.prompt() : "word ".repeat(Math.max(1, r.promptTokens()));
        return "{\"model\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(r.model()) + ",\"max_tokens\":"
                + Math.max(1, r.outputTokens()) + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + com.fasterxml.jackson.databind.node.TextNode.valueOf(text) + "}]}";
    }
}
