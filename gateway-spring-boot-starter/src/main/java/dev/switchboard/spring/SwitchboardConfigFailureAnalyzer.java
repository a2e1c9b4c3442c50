package dev.switchboard.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** A start that failed on the gateway's config says which fields, and what to do, instead of a stack trace. */
class SwitchboardConfigFailureAnalyzer extends AbstractFailureAnalyzer<SwitchboardConfigException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SwitchboardConfigException cause) {
        StringBuilder description = new StringBuilder("The Switchboard config (").append(cause.source())
                .append(") is invalid:\n");
        cause.errors().forEach(e -> description.append("\n    ").append(e));
        return new FailureAnalysis(description.toString(), "Correct the fields above (docs/CONFIG.md describes each; "
                + "`switchboard validate FILE` checks a file without starting anything).", cause);
    }
}
