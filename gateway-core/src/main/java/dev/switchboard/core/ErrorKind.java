package dev.switchboard.core;

/** The kinds of failure a client can see, each with its HTTP status and OpenAI error type and code. */
public enum ErrorKind {
    INVALID_REQUEST(400, "invalid_request_error", "invalid_request"),
    NO_MATCHING_RULE(400, "invalid_request_error", "no_matching_rule"),
    /** The request holds customer data and the compliance policy is to block it. */
    SENSITIVE_DATA_BLOCKED(400, "invalid_request_error", "sensitive_data_blocked"),
    UNAUTHORIZED(401, "invalid_request_error", "invalid_api_key"),
    /** A key limited to some routes asked for another; the admin port refused a cross-site browser request. */
    FORBIDDEN(403, "invalid_request_error", "forbidden"),
    NOT_FOUND(404, "invalid_request_error", "not_found"),
    MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found"),
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed"),
    PAYLOAD_TOO_LARGE(413, "invalid_request_error", "payload_too_large"),
    HEADERS_TOO_LARGE(431, "invalid_request_error", "headers_too_large"),
    /** The tenant's spend limit is reached and its policy is to reject. */
    BUDGET_EXHAUSTED(429, "insufficient_quota", "budget_exhausted"),
    /** The tenant sends more requests per second than its rate limit. */
    RATE_LIMITED(429, "rate_limit_exceeded", "rate_limit_exceeded"),
    /** The upstream refused the request itself (a 4xx other than 408/429): passed on with its status. */
    UPSTREAM_REJECTED(400, "invalid_request_error", "upstream_rejected"),
    UPSTREAM_ERROR(502, "upstream_error", "upstream_error"),
    UNAVAILABLE(503, "service_unavailable", "no_backend_available"),
    /** The gateway is working on as many requests as it can keep fast: this one is shed at once; retry shortly. */
    OVERLOADED(503, "service_unavailable", "overloaded"),
    /** The shared state store (Redis) cannot be reached and its policy is to refuse. */
    STATE_UNAVAILABLE(503, "service_unavailable", "state_unavailable"),
    UPSTREAM_TIMEOUT(504, "upstream_error", "upstream_timeout"),
    INTERNAL(500, "server_error", "internal_error");

    private final int status;
    private final String type;
    private final String code;

    ErrorKind(int status, String type, String code) {
        this.status = status;
        this.type = type;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }
}
