package dev.switchboard.server.simulate;

import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.config.AuditSpec;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.config.StateSpec;
import dev.switchboard.core.routing.RoutingDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;

/**
 * Replays traffic through the real gateway — the same request chain as a live call (rate limits, the compliance
 * scan and policy, the cache, routing, failover, admission with breakers, capacity and budgets, the egress guard) —
 * against {@link SimulatedBackend}s whose speed comes from the config, in simulated time: a day of traffic takes
 * seconds. Nothing leaves the process: the audit log is off and the state is in memory whatever the config says.
 */
final class Simulator {
    private static final Instant START = Instant.parse("2026-01-05T00:00:00Z"); // a Monday

    private final GatewaySpec spec;
    private final long seed;

    Simulator(GatewaySpec spec, long seed) {
        this.spec = spec;
        this.seed = seed;
    }

    SimulationResult run(List<TrafficRecord> traffic, IntConsumer progress) {
        SimulatedTime time = new SimulatedTime(START);
        Random speeds = new Random(seed ^ 0x5DEECE66DL);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // What the simulation may not touch: the audit log on disk, a shared store other gateways use, and the
        // budget alerts (their log lines and webhook are about real spend).
        List<dev.switchboard.core.config.BudgetSpec> budgets = spec.budgets().stream()
                .map(dev.switchboard.core.config.BudgetSpec::withoutAlerts)
                .toList();
        GatewaySpec offline = new GatewaySpec(spec.server(), spec.backends(), spec.routes(), budgets,
                AuditSpec.DISABLED, spec.retry(), spec.compliance(), spec.cache(), spec.rateLimits(),
                StateSpec.MEMORY, spec.overload(), dev.switchboard.core.config.TelemetrySpec.DEFAULTS);
        GatewayOptions options = GatewayOptions.defaults().withClock(time.clock()).withTicker(time::nanos)
                .withScheduler(time)
                .withRandom(new Random(seed)).withMeters(meters)
                .withBackends((b, http) -> new SimulatedBackend(b, time, speeds));
        SimulationResult result = new SimulationResult();
        spec.budgets().forEach(b -> result.budgetTenants.add(b.tenant()));
        Map<String, BackendSpec> backends = spec.backends().stream()
                .collect(Collectors.toMap(BackendSpec::name, b -> b));
        try (Gateway gateway = Gateway.create(offline, options)) {
            int done = 0;
            for (TrafficRecord r : traffic) {
                time.advanceTo(r.offsetSeconds()); // what was due before this arrival happens first
                serve(gateway, r, time, backends, result);
                for (TenantBudget b : gateway.budgets()) {
                    if (b.exhausted()) {
                        result.budgetExhausted.putIfAbsent(b.tenant(), r.offsetSeconds());
                    }
                }
                if (++done % Math.max(1, traffic.size() / 50) == 0) {
                    progress.accept(done * 100 / traffic.size());
                }
            }
            time.drain();
        }
        // Rule hits as the live metrics count them: every request a rule decided, served or not.
        for (Counter c : meters.find("switchboard.decisions").counters()) {
            result.ruleHits(c.getId().getTag("route"), Integer.parseInt(c.getId().getTag("rule")),
                    (long) c.count());
        }
        progress.accept(100);
        return result;
    }

    private void serve(Gateway gateway, TrafficRecord r, SimulatedTime time, Map<String, BackendSpec> backends,
            SimulationResult result) {
        double arrived = time.now();
        GatewayRequest request;
        try {
            request = GatewayRequest.of(RequestView.chat(body(r)), r.headers(), r.tenant());
        } catch (GatewayException e) {
            result.rejected(r.scenario(), e.kind().code());
            return;
        }
        gateway.chatStream(request, new StreamListener() {
            private RoutingDecision decision;
            private String backend;
            private double firstToken;

            @Override
            public void onStart(RoutingDecision d, String b) {
                decision = d;
                backend = b;
                firstToken = time.now() - arrived;
            }

            @Override
            public void onEvent(String data) {
            }

            @Override
            public void onComplete(Usage usage, String finishReason) {
                double total = time.now() - arrived;
                if (decision == null) {
                    result.cacheHit(r, firstToken, total);
                    return;
                }
                BackendSpec b = backends.get(backend);
                double cost = b.price().costOf(usage.promptTokens(), usage.completionTokens());
                boolean spilled = decision.candidates().indexOf(backend) > 0
                        || decision.traces().stream().anyMatch(t -> t.excluded());
                double slo = sloSeconds(decision);
                result.served(r, backend, decision.promptTokens(), cost, b.price().currency(), firstToken, total,
                        spilled, !Double.isNaN(slo) && firstToken > slo);
            }

            @Override
            public void onError(GatewayException e, boolean started) {
                result.rejected(r.scenario(), started ? "stream_cut" : e.kind().code());
            }
        });
    }

    private double sloSeconds(RoutingDecision decision) {
        if (decision.traces().isEmpty()) {
            return Double.NaN;
        }
        return spec.routes().stream().filter(rt -> rt.name().equals(decision.route())).findFirst()
                .map(rt -> rt.rules().get(decision.ruleIndex()).slo().firstTokenP95())
                .map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** A streamed chat body: the recorded prompt, or a prompt of about the recorded size. */
    private static String body(TrafficRecord r) {
        String text = r.prompt() != null ? r.prompt() : "word ".repeat(Math.max(1, r.promptTokens()));
        return "{\"model\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(r.model()) + ",\"stream\":true,"
                + "\"max_tokens\":" + Math.max(1, r.outputTokens()) + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + com.fasterxml.jackson.databind.node.TextNode.valueOf(text) + "}]}";
    }
}
