package dev.switchboard.core.internal.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.config.ConfigLoader;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConditionsTest {
    private static final String CONFIG = """
            backends:
              - { name: a, base-url: "http://a:1/v1", model: m, residency: internal }
              - { name: b, base-url: "http://b:1/v1", model: m, residency: internal }
            routes:
              - name: chat
                rules:
                  - when: { max-tokens: { gt: 2000 } }
                    use: [a]
                    reason: long answers
                  - when: { has-tools: true }
                    use: [a]
                    reason: tools
                  - when: { has-images: true }
                    use: [a]
                    reason: images
                  - when: { metadata: { team: [aml, kyc], user: vip-1 } }
                    use: [a]
                    reason: metadata
                  - when: { time: { from: "22:00", to: "06:00", zone: Asia/Shanghai, days: [mon, tue, wed, thu, fri] } }
                    use: [a]
                    reason: night batch
                  - use: [b]
                    reason: default
            """;

    private final RoutingTable table = RoutingTable.compile(ConfigLoader.withEnv(k -> null).parse(CONFIG, "t"));

    private String reason(String bodyExtra, Instant at) {
        String body = "{\"model\":\"chat\"" + bodyExtra + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        return table.decide(new RoutingInput(RequestView.chat(body), Map.of(), "t", at), new Random(1)).reason();
    }

    private String reason(String bodyExtra) {
        return reason(bodyExtra, Instant.parse("2026-11-30T04:00:00Z")); // Monday 12:00 in Shanghai
    }

    @Test
    void maxTokens() {
        assertThat(reason(",\"max_tokens\":4000")).isEqualTo("long answers");
        assertThat(reason(",\"max_completion_tokens\":4000")).isEqualTo("long answers");
        assertThat(reason(",\"max_tokens\":100")).isEqualTo("default");
        assertThat(reason("")).isEqualTo("default"); // absent never matches a bound
    }

    @Test
    void toolsAndImages() {
        assertThat(reason(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]")).isEqualTo("tools");
        assertThat(reason(",\"tools\":[]")).isEqualTo("default");
        String image = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                + "\"what is this\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]}]}";
        assertThat(table.decide(new RoutingInput(RequestView.chat(image), Map.of(), "t", java.time.Instant.now()), new Random(1)).reason())
                .isEqualTo("images");
    }

    @Test
    void metadataAndUser() {
        assertThat(reason(",\"metadata\":{\"team\":\"aml\"},\"user\":\"vip-1\"")).isEqualTo("metadata");
        assertThat(reason(",\"metadata\":{\"team\":\"aml\",\"user\":\"vip-1\"}")).isEqualTo("metadata");
        assertThat(reason(",\"metadata\":{\"team\":\"aml\"},\"user\":\"other\"")).isEqualTo("default");
        assertThat(reason(",\"metadata\":{\"team\":\"retail\"},\"user\":\"vip-1\"")).isEqualTo("default");
    }

    @Test
    void timeWindowOverMidnightOnWeekdays() {
        // Monday 23:30 Shanghai (15:30 UTC): in the window.
        assertThat(reason("", Instant.parse("2026-11-30T15:30:00Z"))).isEqualTo("night batch");
        // Tuesday 05:59 Shanghai: still Monday night's window.
        assertThat(reason("", Instant.parse("2026-11-30T21:59:00Z"))).isEqualTo("night batch");
        // Tuesday 06:00 Shanghai: the window has ended.
        assertThat(reason("", Instant.parse("2026-11-30T22:00:00Z"))).isEqualTo("default");
        // Saturday 23:30 Shanghai: not a listed day.
        assertThat(reason("", Instant.parse("2026-12-05T15:30:00Z"))).isEqualTo("default");
        // Saturday 01:00 Shanghai belongs to Friday night's window.
        assertThat(reason("", Instant.parse("2026-12-04T17:00:00Z"))).isEqualTo("night batch");
    }
}
