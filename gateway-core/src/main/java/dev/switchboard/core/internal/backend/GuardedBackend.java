package dev.switchboard.core.internal.backend;

import dev.switchboard.core.Operation;
import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.StreamSink;
import dev.switchboard.core.backend.UpstreamFailure;
import dev.switchboard.core.backend.UpstreamReply;
import dev.switchboard.core.backend.UpstreamStream;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.internal.compliance.EgressGuard;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * A backend outside the bank behind the {@link EgressGuard}: every body is checked right before it is handed to the
 * transport, and a body holding customer data is refused without a byte being sent
 * ({@link UpstreamFailure.Kind#EGRESS_REFUSED}; the failover moves on to the next candidate). The gateway wraps
 * every external backend it creates, whatever made it, so no path to the transport passes around the check. A body
 * in pieces ({@link dev.switchboard.core.backend.UpstreamBody}) takes {@link Backend}'s defaults: joined, then the
 * {@code byte[]} methods here, so the transport is handed the very array the guard read.
 */
public final class GuardedBackend implements Backend {
    private final Backend transport;
    private final EgressGuard guard;
    private final java.util.function.Supplier<EgressGuard> newest;
    private final BiConsumer<String, Assessment> onRefusal;

    /**
     * @param guard     the guard of the config this backend was built under
     * @param newest    the guard of the newest config: a body must pass both, so a request admitted before a reload
     *                  that added a detector is held to it on its retries and fallbacks too
     * @param onRefusal told the backend's name and what was found, for metrics and logs (never the values)
     */
    public GuardedBackend(Backend transport, EgressGuard guard, java.util.function.Supplier<EgressGuard> newest,
            BiConsumer<String, Assessment> onRefusal) {
        this.transport = transport;
        this.guard = guard;
        this.newest = newest;
        this.onRefusal = onRefusal;
    }

    /** The unguarded backend, for a reload that guards it again under a new policy. */
    public Backend transport() {
        return transport;
    }

    @Override
    public BackendSpec spec() {
        return transport.spec();
    }

    @Override
    public CompletableFuture<UpstreamReply> send(Operation operation, byte[] body) {
        return send(operation, body, Map.of());
    }

    @Override
    public CompletableFuture<UpstreamReply> send(Operation operation, byte[] body, Map<String, String> headers) {
        UpstreamFailure refused = refused(body);
        return refused != null ? CompletableFuture.failedFuture(refused)
                : transport.send(operation, body, headers);
    }

    @Override
    public UpstreamStream stream(byte[] body, boolean forwardUsageChunk, StreamSink sink) {
        return stream(body, forwardUsageChunk, sink, Map.of());
    }

    @Override
    public UpstreamStream stream(byte[] body, boolean forwardUsageChunk, StreamSink sink,
            Map<String, String> headers) {
        UpstreamFailure refused = refused(body);
        if (refused != null) {
            sink.onFailure(refused, 0);
            return () -> { };
        }
        return transport.stream(body, forwardUsageChunk, sink, headers);
    }

    private UpstreamFailure refused(byte[] body) {
        Assessment found = guard.check(body);
        EgressGuard latest = newest.get();
        if (!found.sensitive() && latest != null && latest != guard) {
            found = latest.check(body); // after a reload: the newest detectors too
        }
        if (!found.sensitive()) {
            return null;
        }
        onRefusal.accept(name(), found);
        return new UpstreamFailure(UpstreamFailure.Kind.EGRESS_REFUSED, name(), "egress guard: the body holds "
                + "customer data (" + found.describe() + "); nothing was sent to external backend '" + name() + "'",
                0, null, null, null);
    }
}
