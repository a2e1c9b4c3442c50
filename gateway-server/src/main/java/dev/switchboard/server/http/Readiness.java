package dev.switchboard.server.http;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Whether this sidecar should be sent new requests, as {@code GET /readyz} tells a load balancer or Kubernetes. It is
 * not liveness ({@code /healthz}): a sidecar that is starting or draining is alive and must not be restarted.
 *
 * <p>Readiness never follows a backend or the state store: when the hosted model or Redis is down every replica is
 * equally affected, and taking them all out of service would turn a degraded gateway (fallbacks, the in-house model,
 * the state-store fallback policy) into no gateway at all.
 */
public final class Readiness {
    /** The life of the server, in order; it only moves forward. */
    public enum State {
        /** Listening, but the serve command has not finished starting (reload watch, signal handlers). */
        STARTING,
        /** Serving, and wants new requests. */
        READY,
        /** SIGTERM received: still serving while the load balancer stops sending, {@code /readyz} says 503. */
        DRAINING,
        /** No longer accepting: requests on kept-alive connections get 503 and {@code Connection: close}. */
        CLOSED
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);

    public State state() {
        return state.get();
    }

    /** Whether {@code /readyz} answers 200. */
    public boolean ready() {
        return state.get() == State.READY;
    }

    /** Whether requests are refused (the server is closing). */
    boolean refusing() {
        return state.get() == State.CLOSED;
    }

    /** Moves to {@code next} unless the server is already there or past it. */
    void advance(State next) {
        state.getAndUpdate(s -> s.compareTo(next) < 0 ? next : s);
    }
}
