package dev.switchboard.server.simulate;

import java.util.Map;

/**
 * One request of recorded or synthetic traffic.
 *
 * @param offsetSeconds when it arrives, from the start of the traffic
 * @param tenant        the caller's tenant
 * @param model         the route alias it names
 * @param headers       request headers (e.g. {@code x-scenario})
 * @param prompt        the prompt text, or null when only its size is known
 * @param promptTokens  the prompt's size when there is no text
 * @param outputTokens  tokens the answer will have
 * @param scenario      the label results are grouped by
 */
record TrafficRecord(double offsetSeconds, String tenant, String model, Map<String, String> headers, String prompt,
        int promptTokens, int outputTokens, String scenario) {
}
