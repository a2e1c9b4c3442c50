package dev.switchboard.core.config;

import java.util.Objects;

/**
 * One upstream model as configured.
 *
 * @param name      unique name used by rules
 * @param provider  wire protocol
 * @param baseUrl   the OpenAI base URL, ending in {@code /v1} (no trailing slash)
 * @param apiKey    sent as {@code Authorization: Bearer}; may be absent
 * @param model     the model name the upstream expects; replaces the client's route alias
 * @param residency inside or outside the bank
 * @param price     per million tokens
 * @param limits    concurrency and timeouts
 * @param tokenFactor     this backend's tokens per estimated (o200k) token; its tokenizer may count differently
 * @param maxOutputTokens the most a call may produce when the request sets no {@code max_tokens}: the worst case a
 *                        budget reservation assumes
 * @param expected        assumed speed until statistics exist
 * @param breaker         its circuit breaker
 * @param upstreamStreaming whether non-streamed chat calls are streamed from it and assembled
 * @param overload        its own concurrency limit (off by default): over it, the backend is passed over
 */
public record BackendSpec(String name, Provider provider, String baseUrl, Secret apiKey, String model,
        Residency residency, PriceSpec price, LimitsSpec limits, double tokenFactor, int maxOutputTokens,
        LatencyPrior expected, BreakerSpec breaker, UpstreamStreaming upstreamStreaming, OverloadSpec overload) {
    public BackendSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(residency, "residency");
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(breaker, "breaker");
        Objects.requireNonNull(upstreamStreaming, "upstreamStreaming");
        Objects.requireNonNull(overload, "overload");
    }

    /** A backend with default token factor, output cap and no prior, for tests and code-built configs. */
    public BackendSpec(String name, Provider provider, String baseUrl, Secret apiKey, String model,
            Residency residency, PriceSpec price, LimitsSpec limits) {
        this(name, provider, baseUrl, apiKey, model, residency, price, limits, 1.0, 4096, LatencyPrior.UNKNOWN,
                BreakerSpec.DEFAULTS, UpstreamStreaming.NEVER, OverloadSpec.OFF);
    }
}
