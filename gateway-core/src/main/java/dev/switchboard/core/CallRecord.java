package dev.switchboard.core;

import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.routing.RoutingDecision;
import java.time.Instant;
import java.util.List;

/**
 * What happened to one request, for the audit log: never prompt text, never credentials.
 *
 * @param time      when it arrived
 * @param requestId the gateway's id
 * @param tenant    the caller's tenant
 * @param model     the model name the client sent
 * @param stream    whether it was streamed
 * @param decision  the routing decision, or null when none was made (unknown model, no rule)
 * @param attempts  backends called or passed over, in order
 * @param backend   the backend that answered, or null
 * @param status    the HTTP status the client got (200 for a stream that started, even if it later failed)
 * @param error     the error code, or null
 * @param usage     tokens as the upstream reported them
 * @param cost      settled cost
 * @param currency  of the cost
 * @param millis    total time
 * @param sensitive kinds and counts of customer data found (never the values)
 * @param compliance what the policy did (written as {@code none}, {@code route-internal}, {@code masked}, ...)
 * @param prompt    the prompt text, only when {@code compliance.log-prompts} is on; else null
 * @param traceId   the OpenTelemetry trace the request's spans are in, when it is traced; else null
 * @param cache     whether the answer came from the cache ({@code BYPASS} when the cache was not asked)
 * @param firstTokenMillis from arrival to the answer's first token: the first streamed event, or for a non-streamed
 *                  call the first event of the backend's stream when the gateway streams from it
 *                  ({@code upstream-streaming}); empty otherwise
 */
public record CallRecord(Instant time, String requestId, String tenant, String model, boolean stream,
        RoutingDecision decision, List<Attempt> attempts, String backend, int status, String error, Usage usage,
        double cost, String currency, long millis, Assessment sensitive,
        dev.switchboard.core.compliance.ComplianceAction compliance, String prompt, String traceId,
        dev.switchboard.core.cache.CacheStatus cache, java.util.OptionalLong firstTokenMillis) {
    public CallRecord {
        attempts = List.copyOf(attempts);
        java.util.Objects.requireNonNull(cache, "cache");
        java.util.Objects.requireNonNull(firstTokenMillis, "firstTokenMillis");
    }
}
