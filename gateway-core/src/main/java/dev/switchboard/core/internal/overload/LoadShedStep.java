package dev.switchboard.core.internal.overload;

import dev.switchboard.core.internal.chain.Causes;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * First of all: a request over the gateway's concurrency limit is shed at once — 503 {@code overloaded} with
 * {@code Retry-After: 1}, before its body is read — instead of queueing behind the others and making every answer
 * late. A request holds its place until its answer (a call) or its first event (a stream): what the limit measures
 * and bounds is the time to the first byte, which is what queueing inflates; a stream already relaying no longer
 * counts.
 */
public final class LoadShedStep implements Step {
    private final ConcurrencyLimit limit;
    private final GatewayMetrics metrics;

    public LoadShedStep(ConcurrencyLimit limit, GatewayMetrics metrics) {
        this.limit = limit;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "load-shed";
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        Optional<ConcurrencyLimit.Permit> permit = limit.acquire();
        if (permit.isEmpty()) {
            metrics.shed("gateway");
            return CompletableFuture.failedFuture(new GatewayException(ErrorKind.OVERLOADED, "the gateway is at its "
                    + "concurrency limit (" + limit.limit() + " requests before their first token); retry shortly"));
        }
        ConcurrencyLimit.Permit p = permit.get();
        return next.proceed(x).whenComplete((reply, error) -> {
            if (error == null) {
                p.succeeded();
                return;
            }
            Throwable t = Causes.of(error);
            if (t instanceof GatewayException g && g.kind() == ErrorKind.UPSTREAM_TIMEOUT) {
                p.dropped();
            } else {
                p.ignored(); // a refusal, a client that left, a backend's error: not the gateway's latency
            }
        });
    }
}
