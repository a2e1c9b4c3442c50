package dev.switchboard.core.internal.routing;

import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import dev.switchboard.core.routing.NoCandidateException;
import dev.switchboard.core.routing.RoutingDecision;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * The routing decision: the route of the model asked for, its first matching rule, and the rule's candidates in the
 * order its strategy gives over the live signals — with the reasons, for the response headers, {@code explain} and
 * the audit record. A request no rule matches, or whose every candidate is excluded, goes no further (the decision
 * that says why is kept on the exchange for the audit record).
 */
public final class RouteStep implements Step {
    private final RoutingTable table;
    private final LiveSignals signals;
    private final RandomGenerator random;
    private final Clock clock;

    public RouteStep(RoutingTable table, LiveSignals signals, RandomGenerator random, Clock clock) {
        this.table = table;
        this.signals = signals;
        this.random = random;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "route";
    }

    /** The decision for a request under {@code verdict}, now; what {@code explain} shows and a call makes. */
    public RoutingDecision decide(GatewayRequest request, Verdict verdict) {
        return table.decide(new RoutingInput(request.body(), request.headers(), request.tenant(), clock.instant(),
                verdict), random, signals);
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        RoutingDecision decision;
        try {
            decision = decide(x.request(), x.verdict());
        } catch (NoCandidateException e) {
            x.routed(e.decision());
            throw e;
        }
        x.routed(decision);
        return next.proceed(x);
    }
}
