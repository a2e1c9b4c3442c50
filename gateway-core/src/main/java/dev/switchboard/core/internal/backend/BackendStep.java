package dev.switchboard.core.internal.backend;

import dev.switchboard.core.Attempt;
import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.StreamListener;
import dev.switchboard.core.Usage;
import dev.switchboard.core.backend.StreamSink;
import dev.switchboard.core.backend.UpstreamBody;
import dev.switchboard.core.backend.UpstreamFailure;
import dev.switchboard.core.backend.UpstreamReply;
import dev.switchboard.core.backend.UpstreamStream;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.admission.Ticket;
import dev.switchboard.core.internal.chain.Causes;
import dev.switchboard.core.internal.chain.Chain;
import dev.switchboard.core.internal.chain.Exchange;
import dev.switchboard.core.internal.chain.Reply;
import dev.switchboard.core.internal.chain.Step;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.internal.compliance.MaskedBody;
import dev.switchboard.core.internal.compliance.PlaceholderRestorer;
import dev.switchboard.core.internal.routing.Costs;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step: one call to the admitted backend, with the body compliance allows for it (the client's, or the
 * masked copy for an external backend under {@code mask}), and the accounting of how the attempt ended. A failure
 * before anything reached the client fails the future, for failover to judge; once a stream's first event is out,
 * the reply is {@link Reply.Streaming} and every later event, end or cut goes down the exchange's listener. A cut
 * stream is charged for the prompt and one token per chunk delivered; one the client left, the same.
 */
public final class BackendStep implements Step {
    private static final Logger log = LoggerFactory.getLogger(BackendStep.class);

    private final CompliancePolicy policy;
    private final GatewayMetrics metrics;
    /**
     * Backends with {@code upstream-streaming: auto} that answered a streamed request with one whole body: they do
     * not stream, so their non-streamed calls go as the client sent them from then on (a reload starts over).
     */
    private final java.util.Set<String> answersWhole = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public BackendStep(CompliancePolicy policy, GatewayMetrics metrics) {
        this.policy = policy;
        this.metrics = metrics;
    }

    @Override
    public String name() {
        return "backend";
    }

    @Override
    public CompletableFuture<Reply> proceed(Exchange x, Chain next) {
        return x.streamed() ? stream(x) : call(x);
    }

    /** The body for the target backend, and whether it is the masked copy. */
    private UpstreamBody body(Exchange x, BackendSpec spec, boolean masked, boolean stream) {
        if (!masked) {
            return x.request().body().upstreamPieces(spec.model(), stream);
        }
        MaskedBody m = x.maskedBody();
        if (m == null) {
            m = policy.mask(x.request().body());
            x.masked(m);
        }
        return UpstreamBody.of(x.request().body().upstreamBodyOf(m.tree(), spec.model(), stream));
    }

    private CompletableFuture<Reply> call(Exchange x) {
        Ticket ticket = x.ticket();
        BackendRuntime rt = ticket.runtime();
        BackendSpec spec = rt.spec();
        boolean masked = policy.masksFor(x.verdict(), spec.residency());
        if (x.operation() == dev.switchboard.core.Operation.CHAT
                && (spec.upstreamStreaming() == dev.switchboard.core.config.UpstreamStreaming.ALWAYS
                        || spec.upstreamStreaming() == dev.switchboard.core.config.UpstreamStreaming.AUTO
                                && !answersWhole.contains(spec.name()))
                && x.request().body().answerAssemblable(
                        spec.upstreamStreaming() == dev.switchboard.core.config.UpstreamStreaming.ALWAYS)) {
            return assembled(x, ticket, rt, spec, masked);
        }
        UpstreamBody body = body(x, spec, masked, false);
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        CompletableFuture<UpstreamReply> upstream;
        try (Scope traced = x.traceScope(policy.sharesTraceStateWith(spec.residency()))) {
            upstream = rt.backend().send(x.operation(), body,
                    x.traceHeaders(policy.sharesTraceStateWith(spec.residency())));
        }
        x.onCancel(() -> {
            // The client left: nothing was delivered, so nothing is charged. Another attempt won (a hedge): this
            // one went out and the model read its prompt, which is what it is settled at. Unless the answer won the
            // race, in which case it is settled and recorded as answered.
            double cost = x.cancelled() ? 0 : partialCost(spec, x.decision()::promptTokens, 0);
            if (ticket.abandoned(cost)) {
                upstream.cancel(true);
                endedEarly(x, spec, ticket, masked, cost, "");
                reply.completeExceptionally(new CancellationException("the client left"));
            }
        });
        upstream.whenComplete((r, error) -> {
            if (error == null) {
                answered(x, ticket, spec, masked, r.body(), r.contentType(), UsageReader.fromBody(r.body()), reply);
                return;
            }
            UpstreamFailure failure = unwrap(error, spec.name());
            if (failure.kind() != UpstreamFailure.Kind.CANCELLED) {
                failedUnseen(x, ticket, spec, masked, failure, 0, reply);
            }
        });
        return reply;
    }

    private CompletableFuture<Reply> stream(Exchange x) {
        Ticket ticket = x.ticket();
        BackendRuntime rt = ticket.runtime();
        BackendSpec spec = rt.spec();
        boolean masked = policy.masksFor(x.verdict(), spec.residency());
        UpstreamBody body = body(x, spec, masked, true);
        PlaceholderRestorer restorer = masked && policy.restoresFrom(x.maskedBody().masking(), spec.residency())
                ? new PlaceholderRestorer(x.maskedBody().masking()) : null;
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        Relay relay = new Relay(x, ticket, spec, masked, restorer, reply);
        AtomicReference<UpstreamStream> running = new AtomicReference<>();
        x.onCancel(() -> {
            UpstreamStream s = running.get();
            if (s != null) {
                s.cancel();
            }
            if (relay.abandoned()) {
                reply.completeExceptionally(new CancellationException("the client left")); // if not started yet
            }
        });
        UpstreamStream s;
        try (Scope traced = x.traceScope(policy.sharesTraceStateWith(spec.residency()))) {
            s = rt.backend().stream(body, x.request().body().clientWantsUsage(), relay,
                    x.traceHeaders(policy.sharesTraceStateWith(spec.residency())));
        }
        running.set(s);
        if (x.calledOff()) {
            s.cancel(); // the client left (or another attempt won) while this attempt was starting
        }
        return reply;
    }

    /**
     * A non-streamed chat call streamed from the backend and assembled: the first-token timeout and statistics cover
     * it like a stream, and — since nothing reaches the client before the end — a failure at any point may still
     * fail over.
     */
    private CompletableFuture<Reply> assembled(Exchange x, Ticket ticket, BackendRuntime rt, BackendSpec spec,
            boolean masked) {
        if (masked && x.maskedBody() == null) {
            x.masked(policy.mask(x.request().body()));
        }
        byte[] body = x.request().body().upstreamStreamingBody(masked ? x.maskedBody().tree() : null, spec.model());
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        CompletionAssembler assembler = new CompletionAssembler();
        AtomicReference<UpstreamStream> running = new AtomicReference<>();
        int[] events = {0};
        x.onCancel(() -> {
            // As a stream is: what the backend produced is charged (its prompt and one token per event), and a
            // hedge that lost pays at least its prompt; a client that left before the first event pays nothing.
            int produced = events[0];
            double cost = x.cancelled() && produced == 0 ? 0
                    : partialCost(spec, x.decision()::promptTokens, Math.max(1, produced));
            if (ticket.abandoned(cost)) {
                UpstreamStream s = running.get();
                if (s != null) {
                    s.cancel();
                }
                endedEarly(x, spec, ticket, masked, cost, produced > 0 ? " after " + produced + " events" : "");
                reply.completeExceptionally(new CancellationException("the client left"));
            }
        });
        StreamSink sink = new StreamSink() {
            @Override
            public void onWholeAnswer() {
                // This answer is used as it is; under auto the backend is not streamed from again.
                if (spec.upstreamStreaming() == dev.switchboard.core.config.UpstreamStreaming.AUTO
                        && answersWhole.add(spec.name())) {
                    log.info("backend {} answers streamed requests whole: its non-streamed calls go as sent",
                            spec.name());
                }
            }

            @Override
            public void onEvent(String data) {
                if (events[0]++ == 0) {
                    Duration firstToken = Duration.ofNanos(ticket.elapsedNanos());
                    ticket.firstToken();
                    x.markFirstToken();
                    rt.stats().recordFirstToken(firstToken);
                    try (Scope current = x.traceScope(true)) { // this attempt's span as the bucket's exemplar
                        metrics.firstToken(spec.name(), x.decision(), firstToken);
                    }
                }
                assembler.accept(data);
            }

            @Override
            public void onDone(Usage usage, String finishReason) {
                byte[] answer = assembler.completion(usage);
                if (answer == null) {
                    onFailure(new UpstreamFailure(UpstreamFailure.Kind.TRUNCATED, spec.name(), "backend '"
                            + spec.name() + "' streamed an answer that does not make a chat completion", 0, null,
                            null, null), events[0]);
                    return;
                }
                answered(x, ticket, spec, masked, answer, "application/json", usage, reply);
            }

            @Override
            public void onFailure(UpstreamFailure failure, int eventsDelivered) {
                if (failure.kind() == UpstreamFailure.Kind.CANCELLED || x.calledOff()) {
                    return;
                }
                // What the backend produced before it failed is charged: the prompt, one token per chunk.
                failedUnseen(x, ticket, spec, masked, failure, events[0] == 0 ? 0
                        : partialCost(spec, x.decision()::promptTokens, events[0]), reply);
            }
        };
        UpstreamStream s;
        try (Scope traced = x.traceScope(policy.sharesTraceStateWith(spec.residency()))) {
            s = rt.backend().stream(body, false, sink, x.traceHeaders(policy.sharesTraceStateWith(spec.residency())));
        }
        running.set(s);
        if (x.calledOff()) {
            s.cancel();
        }
        return reply;
    }

    /** A whole answer: the ticket ends, statistics learn its speed, the attempt and charge say it; values put back. */
    private void answered(Exchange x, Ticket ticket, BackendSpec spec, boolean masked, byte[] body,
            String contentType, Usage usage, CompletableFuture<Reply> reply) {
        double cost = usage.known() ? Costs.actual(spec, usage.promptTokens(), usage.completionTokens())
                : Costs.estimate(spec, x.decision()::promptTokens, x.decision().expectedOutputTokens());
        long millis = ticket.millis();
        if (!ticket.answered(cost)) {
            return; // the client left first
        }
        if (usage.known() && millis > 0) {
            ticket.runtime().stats().recordTokensPerSecond(usage.completionTokens() * 1000.0 / millis);
        }
        x.attempted(new Attempt(spec.name(), Attempt.Outcome.OK, millis),
                new Exchange.Charge(spec.name(), usage, cost, spec.price().currency(), masked));
        byte[] answer = masked && policy.restoresFrom(x.maskedBody().masking(), spec.residency())
                ? PlaceholderRestorer.restoreBody(body, x.maskedBody().masking()) : body;
        reply.complete(new Reply.Answer(answer, contentType, spec.name(), usage, cost, spec.price().currency()));
    }

    /**
     * A failure before anything reached the client: the ticket ends at what was produced, the attempt says why, a
     * refusal of the request (4xx) is charged to this backend and the body it was sent, and the reply fails for
     * failover to judge.
     */
    private static void failedUnseen(Exchange x, Ticket ticket, BackendSpec spec, boolean masked,
            UpstreamFailure failure, double cost, CompletableFuture<Reply> reply) {
        if (!ticket.failed(failure, cost)) {
            return;
        }
        log.warn("request {} backend {} failed: {}", x.request().requestId(), spec.name(), failure.detail());
        if (failure.isClientError()) {
            x.attempted(attemptOf(spec.name(), failure, ticket.millis()),
                    new Exchange.Charge(spec.name(), Usage.UNKNOWN, 0, spec.price().currency(), masked));
        } else {
            x.attempted(attemptOf(spec.name(), failure, ticket.millis()));
        }
        reply.completeExceptionally(failure);
    }

    /** What a stream cut short cost: the prompt, and one token per chunk after the first. */
    private static double partialCost(BackendSpec spec, java.util.function.IntSupplier promptTokens, int chunks) {
        return Costs.estimate(spec, promptTokens, 0) + Costs.actual(spec, 0, Math.max(0, chunks - 1));
    }

    /**
     * An attempt that ended before its answer, its ticket already given up: the client left (the record says so and
     * what it cost) or another attempt won the race (a hedge: this one is only an attempt in the record).
     */
    private static void endedEarly(Exchange x, BackendSpec spec, Ticket ticket, boolean masked, double cost,
            String after) {
        if (x.cancelled()) {
            x.attempted(new Attempt(spec.name(), Attempt.Outcome.CANCELLED, "client left" + after, ticket.millis()),
                    new Exchange.Charge(spec.name(), Usage.UNKNOWN, cost, spec.price().currency(), masked));
            x.abandonedByClient();
        } else {
            x.attempted(new Attempt(spec.name(), Attempt.Outcome.HEDGE_LOST, "lost the hedge" + after,
                    ticket.millis()));
        }
    }

    /** Relays one upstream stream to the exchange's listener and ends the attempt's ticket. */
    private final class Relay implements StreamSink {
        private final Exchange x;
        private final Ticket ticket;
        private final BackendSpec spec;
        private final boolean masked;
        private final PlaceholderRestorer restorer;
        private final CompletableFuture<Reply> reply;
        private final StreamListener listener;
        private boolean started;
        private long firstEventNanos;
        private volatile int delivered;

        Relay(Exchange x, Ticket ticket, BackendSpec spec, boolean masked, PlaceholderRestorer restorer,
                CompletableFuture<Reply> reply) {
            this.x = x;
            this.ticket = ticket;
            this.spec = spec;
            this.masked = masked;
            this.restorer = restorer;
            this.reply = reply;
            this.listener = x.downstream();
        }

        /** What a cut stream cost: the prompt, and one token per chunk the client received. */
        private double partialCost() {
            return BackendStep.partialCost(spec, x.decision()::promptTokens, delivered);
        }

        /** Whether another attempt (a hedge) started its stream first: this one stops. */
        private boolean lost;

        private void start() {
            if (!x.claimStream()) {
                lost = true;
                x.callOff(); // its hook stops the upstream and settles what this attempt used
                return;
            }
            started = true;
            firstEventNanos = x.nanos();
            x.markFirstToken();
            Duration firstToken = Duration.ofNanos(ticket.elapsedNanos());
            ticket.firstToken();
            ticket.runtime().stats().recordFirstToken(firstToken);
            try (Scope current = x.traceScope(true)) { // this attempt's span as the bucket's exemplar
                metrics.firstToken(spec.name(), x.decision(), firstToken);
            }
            reply.complete(new Reply.Streaming(spec.name())); // failover is over: this backend answers
            listener.onStart(x.decision(), spec.name());
        }

        @Override
        public void onEvent(String data) {
            if (!started) {
                start();
                if (lost) {
                    return;
                }
            }
            delivered++;
            listener.onEvent(restorer == null ? data : restorer.restoreChunk(data));
        }

        @Override
        public void onIdle() {
            listener.onIdle();
        }

        @Override
        public boolean ready() {
            return listener.ready();
        }

        @Override
        public void whenReady(Runnable resume) {
            listener.whenReady(resume);
        }

        @Override
        public void onDone(Usage usage, String finishReason) {
            if (!started) {
                start();
                if (lost) {
                    return;
                }
            }
            double cost = usage.known() ? Costs.actual(spec, usage.promptTokens(), usage.completionTokens())
                    : partialCost();
            long generationNanos = x.nanos() - firstEventNanos;
            if (!ticket.answered(cost)) {
                return;
            }
            if (usage.known() && usage.completionTokens() > 1 && generationNanos > 0) {
                ticket.runtime().stats().recordTokensPerSecond((usage.completionTokens() - 1) * 1e9
                        / generationNanos);
            }
            x.attempted(new Attempt(spec.name(), Attempt.Outcome.OK, ticket.millis()),
                    new Exchange.Charge(spec.name(), usage, cost, spec.price().currency(), masked));
            String rest = restorer == null ? null : restorer.remainder();
            if (rest != null) {
                listener.onEvent(rest);
            }
            listener.onComplete(usage, finishReason);
        }

        @Override
        public void onFailure(UpstreamFailure failure, int eventsDelivered) {
            if (failure.kind() == UpstreamFailure.Kind.CANCELLED || x.calledOff()) {
                return;
            }
            if (!started) {
                failedUnseen(x, ticket, spec, masked, failure, 0, reply); // failover may try another
                return;
            }
            double cost = partialCost();
            if (!ticket.failed(failure, cost)) {
                return;
            }
            log.warn("request {} backend {} stream failed after {} events: {}", x.request().requestId(),
                    spec.name(), eventsDelivered, failure.detail());
            x.attempted(attemptOf(spec.name(), failure, ticket.millis()),
                    new Exchange.Charge(spec.name(), Usage.UNKNOWN, cost, spec.price().currency(), masked));
            listener.onError(new GatewayException(ErrorKind.UPSTREAM_ERROR,
                    failure.clientMessage() + "; the answer is incomplete"), true);
        }

        /**
         * The client left, or another attempt won: what this one received is charged. False when the stream had
         * already ended otherwise.
         */
        boolean abandoned() {
            double cost = delivered > 0 || lost ? partialCost() : 0;
            if (!ticket.abandoned(cost)) {
                return false;
            }
            endedEarly(x, spec, ticket, masked, cost, " after " + delivered + " events");
            return true;
        }
    }

    static UpstreamFailure unwrap(Throwable error, String backend) {
        Throwable t = Causes.of(error);
        if (t instanceof UpstreamFailure f) {
            return f;
        }
        if (t instanceof CancellationException) {
            return new UpstreamFailure(UpstreamFailure.Kind.CANCELLED, backend, "cancelled", 0, null, null, t);
        }
        return new UpstreamFailure(UpstreamFailure.Kind.IO, backend, "backend '" + backend + "' failed: " + t, 0,
                null, null, t);
    }

    /**
     * The attempt of a failed call: refused by the egress guard (nothing sent), or failed — in words a client may
     * read (attempts end up in error messages); the addresses and exception texts are in the log line above.
     */
    static Attempt attemptOf(String backend, UpstreamFailure failure, long millis) {
        return Attempt.failed(backend, failure, millis);
    }
}
