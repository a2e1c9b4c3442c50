package dev.switchboard.benchmarks.jmh;

import dev.switchboard.core.RequestView;
import java.nio.charset.StandardCharsets;

/** The chat body the residency-scan benchmarks read: a system prompt, a tool definition and the user's prompt. */
final class ScanBodies {
    /** Mixed Chinese and English, dense with dates, amounts and references, no customer data: the usual case. */
    static final String BANKING = "客户于2026年11月30日致电，询问账户余额与近期交易。Review the statement of 1,234.56 CNY, "
            + "invoice 20261130, reference 7781-2231, period 2026-01-01 to 2026-03-31. ";

    private ScanBodies() {
    }

    static RequestView chat(String prompt) {
        String body = "{\"model\":\"chat\",\"temperature\":0.2,\"tools\":[{\"type\":\"function\",\"function\":{"
                + "\"name\":\"lookup\",\"description\":\"Look up a transaction by reference\",\"parameters\":{"
                + "\"type\":\"object\",\"properties\":{\"ref\":{\"type\":\"string\",\"description\":\"the reference\""
                + "}}}}}],\"messages\":[{\"role\":\"system\",\"content\":\"You are a careful bank analyst.\"},"
                + "{\"role\":\"user\",\"content\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(prompt)
                + "}]}";
        return RequestView.chat(body.getBytes(StandardCharsets.UTF_8));
    }
}
