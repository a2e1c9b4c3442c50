package dev.switchboard.testkit.corpus;

/**
 * One sensitive value as the corpus put it into a body.
 *
 * @param kind      one of {@link SensitiveValues#KINDS}
 * @param canonical the value itself: digits, letters upper-case (for a split value: the whole value)
 * @param rendered  the exact text written into the body (for a split value: this piece only)
 * @param format    how it was written, one of {@link Formats#ALL}
 * @param site      where it was written, a {@link Site#label()}; empty when not planted in a body
 * @param path      JSON-path-like location, e.g. {@code messages[2].content[1].text}; inside a tool call's
 *                  {@code arguments} (a JSON string) the path goes on into the decoded object:
 *                  {@code messages[1].tool_calls[0].function.arguments.card_number}
 */
public record Planted(String kind, String canonical, String rendered, String format, String site, String path) {
}
