package dev.switchboard.core.internal.chain;

import dev.switchboard.core.GatewayException;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.cache.CacheStatus;
import dev.switchboard.core.routing.RoutingDecision;

/**
 * A stream tap ({@link Exchange#tapStream}) that passes everything on — backpressure included — so a step overrides
 * only the calls it watches.
 */
public abstract class ForwardingStreamListener implements StreamListener {
    protected final StreamListener next;

    protected ForwardingStreamListener(StreamListener next) {
        this.next = next;
    }

    @Override
    public void onStart(RoutingDecision decision, String backend) {
        next.onStart(decision, backend);
    }

    @Override
    public void onCache(CacheStatus status) {
        next.onCache(status);
    }

    @Override
    public void onEvent(String data) {
        next.onEvent(data);
    }

    @Override
    public void onIdle() {
        next.onIdle();
    }

    @Override
    public boolean ready() {
        return next.ready();
    }

    @Override
    public void whenReady(Runnable resume) {
        next.whenReady(resume);
    }

    @Override
    public void onComplete(Usage usage, String finishReason) {
        next.onComplete(usage, finishReason);
    }

    @Override
    public void onError(GatewayException error, boolean started) {
        next.onError(error, started);
    }
}
