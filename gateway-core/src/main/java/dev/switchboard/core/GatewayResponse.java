package dev.switchboard.core;

import dev.switchboard.core.routing.RoutingDecision;
import java.nio.charset.StandardCharsets;

/**
 * A complete answer: the upstream's body (the JSON an OpenAI client expects), where it came from and what it
 * used.
 *
 * @param body        the response body as the upstream sent it
 * @param contentType its media type
 * @param requestId   the gateway's id for this request
 * @param decision    the routing decision, with its reasons
 * @param backend     the backend that answered
 * @param usage       tokens as reported by the upstream
 * @param steps       every backend called or passed over, in order
 * @param cost        what the call cost at the backend's prices
 * @param currency    of the cost
 * @param cache       whether it came from the cache
 */
public record GatewayResponse(byte[] body, String contentType, String requestId, RoutingDecision decision,
        String backend, Usage usage, java.util.List<Attempt> steps, double cost, String currency,
        dev.switchboard.core.cache.CacheStatus cache) {


    /** Backends actually called, the answering one included (passed-over ones and cache hits not counted). */
    public int attempts() {
        int called = 0;
        for (Attempt a : steps) {
            if (a.called()) {
                called++;
            }
        }
        return called;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
