package dev.switchboard.core.internal.compliance;

import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import java.util.concurrent.CompletableFuture;

/**
 * Reads the whole body for customer data and gives the verdict every later step asks — the cache (scoping), routing
 * (which backends may be candidates), admission (the re-check per attempt), the backend step (masking) and the audit
 * record. A request the policy blocks goes no further.
 */
public final class ComplianceStep implements Step {
    private final CompliancePolicy policy;

    public ComplianceStep(CompliancePolicy policy) {
        this.policy = policy;
    }

    @Override
    public String name() {
        return "compliance";
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        Verdict verdict = policy.judge(x.request().body());
        x.judged(verdict);
        if (verdict.outcome() == Verdict.Outcome.BLOCKED) {
            return CompletableFuture.failedFuture(CompliancePolicy.blockedError(verdict.found()));
        }
        return next.proceed(x);
    }
}
