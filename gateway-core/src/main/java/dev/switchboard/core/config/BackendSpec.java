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
 */
public record BackendSpec(String name, Provider provider, String baseUrl, Secret apiKey, String model,
        Residency residency, PriceSpec price, LimitsSpec limits) {
    public BackendSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(apiKey, "apiKey");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(residency, "residency");
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(limits, "limits");
    }
}
