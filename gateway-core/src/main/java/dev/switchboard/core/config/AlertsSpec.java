package dev.switchboard.core.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Where budget alerts go besides the log and the metrics ({@code alerts:}).
 *
 * @param webhook an HTTP endpoint each alert is posted to, signed; null for none
 */
public record AlertsSpec(Webhook webhook) {
    public static final AlertsSpec NONE = new AlertsSpec(null);

    /**
     * @param url      where the JSON body is posted
     * @param secret   the HMAC-SHA256 key the signature is made with (shown as {@code ***})
     * @param timeout  each attempt's limit
     * @param attempts tries in all, with back-off between them (1 s, 2 s, 4 s, ... up to a minute)
     */
    public record Webhook(URI url, Secret secret, Duration timeout, int attempts) {
        public Webhook {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(timeout, "timeout");
        }
    }
}
