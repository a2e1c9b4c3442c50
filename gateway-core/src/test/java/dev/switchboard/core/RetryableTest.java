package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.StrategyKind;
import dev.switchboard.core.routing.CandidateTrace;
import dev.switchboard.core.routing.Exclusion;
import dev.switchboard.core.routing.NoCandidateException;
import dev.switchboard.core.routing.RoutingDecision;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Whether sending the same request again may help: the one rule the framework adapters map from. */
class RetryableTest {
    @Test
    void timeoutsRateLimitsAndServerErrorsMayPassClientErrorsAndSpentBudgetsWillNot() {
        assertThat(new GatewayException(ErrorKind.UPSTREAM_TIMEOUT, "t").retryable()).isTrue();
        assertThat(new GatewayException(ErrorKind.OVERLOADED, "o").retryable()).isTrue();
        assertThat(new GatewayException(ErrorKind.INVALID_REQUEST, "i").retryable()).isFalse();
        assertThat(new GatewayException(ErrorKind.BUDGET_EXHAUSTED, "b").retryable()).isFalse();
        assertThat(new GatewayException(ErrorKind.UNAVAILABLE, "u").describe("req-1"))
                .isEqualTo("u (status 503, " + ErrorKind.UNAVAILABLE.code() + ", request req-1)");
    }

    @Test
    void noBackendBecauseTheDataMustStayInsideIsTheSameAnswerEveryTime() {
        assertThat(noCandidate(Exclusion.STAYS_INTERNAL).retryable()).isFalse();
        assertThat(noCandidate(Exclusion.CIRCUIT_OPEN).retryable()).isTrue();
    }

    private static NoCandidateException noCandidate(Exclusion why) {
        CandidateTrace excluded = new CandidateTrace("hosted", -1, "excluded", 0, "", Double.NaN, Double.NaN, why);
        return new NoCandidateException(new RoutingDecision("dec_1", "chat", 0, "", StrategyKind.PRIORITY, List.of(),
                List.of(), List.of(excluded), 10, 100, null));
    }
}
