package dev.switchboard.core;

import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.StreamSink;
import dev.switchboard.core.backend.UpstreamFailure;
import dev.switchboard.core.backend.UpstreamReply;
import dev.switchboard.core.backend.UpstreamStream;
import dev.switchboard.core.routing.RoutingDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tries a decision's candidates in order. A failure moves on to the next candidate only while nothing has reached
 * the client; a request the upstream refused as invalid (4xx) is not retried elsewhere, since any backend would
 * refuse it too.
 */
final class FailoverExecutor {
    private static final Logger log = LoggerFactory.getLogger(FailoverExecutor.class);

    private FailoverExecutor() {
    }

    static CompletableFuture<GatewayResponse> send(GatewayRequest request, RoutingDecision decision,
            Map<String, Backend> backends) {
        CompletableFuture<GatewayResponse> result = new CompletableFuture<>();
        attempt(request, decision, backends, 0, new ArrayList<>(), result);
        return result;
    }

    private static void attempt(GatewayRequest request, RoutingDecision decision, Map<String, Backend> backends,
            int index, List<UpstreamFailure> failures, CompletableFuture<GatewayResponse> result) {
        if (result.isDone()) {
            return;
        }
        if (index >= decision.candidates().size()) {
            result.completeExceptionally(exhausted(request, decision, failures));
            return;
        }
        Backend backend = backends.get(decision.candidates().get(index));
        byte[] body = request.body().upstreamBody(backend.spec().model(), false);
        CompletableFuture<UpstreamReply> call = backend.send(request.body().operation(), body);
        result.whenComplete((r, t) -> {
            if (result.isCancelled()) {
                call.cancel(true);
            }
        });
        call.whenComplete((reply, error) -> {
            if (error == null) {
                result.complete(new GatewayResponse(reply.body(), reply.contentType(), request.requestId(), decision,
                        backend.name(), UsageReader.fromBody(reply.body()), index + 1));
                return;
            }
            UpstreamFailure failure = unwrap(error, backend.name());
            if (failure.kind() == UpstreamFailure.Kind.CANCELLED) {
                return;
            }
            log.warn("request {} backend {} failed: {}", request.requestId(), backend.name(), failure.getMessage());
            if (failure.isClientError()) {
                result.completeExceptionally(rejected(failure));
                return;
            }
            failures.add(failure);
            attempt(request, decision, backends, index + 1, failures, result);
        });
    }

    static StreamCall stream(GatewayRequest request, RoutingDecision decision, Map<String, Backend> backends,
            StreamListener listener) {
        StreamAttempts attempts = new StreamAttempts(request, decision, backends, listener);
        attempts.next();
        return attempts;
    }

    /** The state of one streamed request across its candidates. */
    private static final class StreamAttempts implements StreamCall {
        private final GatewayRequest request;
        private final RoutingDecision decision;
        private final Map<String, Backend> backends;
        private final StreamListener listener;
        private final List<UpstreamFailure> failures = new ArrayList<>();
        private final AtomicReference<UpstreamStream> current = new AtomicReference<>();
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private int index = -1;

        StreamAttempts(GatewayRequest request, RoutingDecision decision, Map<String, Backend> backends,
                StreamListener listener) {
            this.request = request;
            this.decision = decision;
            this.backends = backends;
            this.listener = listener;
        }

        void next() {
            if (cancelled.get()) {
                return;
            }
            index++;
            if (index >= decision.candidates().size()) {
                listener.onError(exhausted(request, decision, failures), false);
                return;
            }
            Backend backend = backends.get(decision.candidates().get(index));
            byte[] body = request.body().upstreamBody(backend.spec().model(), true);
            UpstreamStream stream = backend.stream(body, request.body().clientWantsUsage(), new StreamSink() {
                private boolean started;

                @Override
                public void onEvent(String data) {
                    if (!started) {
                        started = true;
                        listener.onStart(decision, backend.name());
                    }
                    listener.onEvent(data);
                }

                @Override
                public void onDone(Usage usage, String finishReason) {
                    if (!started) {
                        listener.onStart(decision, backend.name());
                    }
                    listener.onComplete(usage, finishReason);
                }

                @Override
                public void onFailure(UpstreamFailure failure, int eventsDelivered) {
                    if (failure.kind() == UpstreamFailure.Kind.CANCELLED || cancelled.get()) {
                        return;
                    }
                    log.warn("request {} backend {} stream failed after {} events: {}", request.requestId(),
                            backend.name(), eventsDelivered, failure.getMessage());
                    if (started) {
                        listener.onError(new GatewayException(ErrorKind.UPSTREAM_ERROR, failure.getMessage()
                                + " after the response had started; the answer is incomplete"), true);
                    } else if (failure.isClientError()) {
                        listener.onError(rejected(failure), false);
                    } else {
                        failures.add(failure);
                        next();
                    }
                }
            });
            current.set(stream);
            if (cancelled.get()) {
                stream.cancel(); // the client left while this attempt was starting
            }
        }

        @Override
        public void cancel() {
            if (cancelled.compareAndSet(false, true)) {
                UpstreamStream s = current.get();
                if (s != null) {
                    s.cancel();
                }
            }
        }
    }

    private static UpstreamFailure unwrap(Throwable error, String backend) {
        Throwable t = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (t instanceof UpstreamFailure f) {
            return f;
        }
        if (t instanceof java.util.concurrent.CancellationException) {
            return new UpstreamFailure(UpstreamFailure.Kind.CANCELLED, backend, "cancelled", 0, null, null, t);
        }
        return new UpstreamFailure(UpstreamFailure.Kind.IO, backend, "backend '" + backend + "' failed: " + t, 0,
                null, null, t);
    }

    private static GatewayException rejected(UpstreamFailure failure) {
        String message = UsageReader.errorMessage(failure.body());
        return new GatewayException(ErrorKind.UPSTREAM_REJECTED, failure.status(), "backend '" + failure.backend()
                + "' rejected the request (HTTP " + failure.status() + ")" + (message.isEmpty() ? "" : ": " + message),
                null, failure);
    }

    private static GatewayException exhausted(GatewayRequest request, RoutingDecision decision,
            List<UpstreamFailure> failures) {
        StringBuilder sb = new StringBuilder("all backends failed for route '").append(decision.route()).append("': ");
        for (int i = 0; i < failures.size(); i++) {
            sb.append(i == 0 ? "" : "; ").append(failures.get(i).getMessage());
        }
        boolean allTimeouts = !failures.isEmpty()
                && failures.stream().allMatch(f -> f.kind() == UpstreamFailure.Kind.TIMEOUT);
        return new GatewayException(allTimeouts ? ErrorKind.UPSTREAM_TIMEOUT : ErrorKind.UPSTREAM_ERROR,
                sb.toString());
    }
}
