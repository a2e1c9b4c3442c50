package dev.switchboard.core.compliance;

/**
 * One sensitive value found in a text: its kind and where it is. The value itself is not kept here, so a finding
 * can be logged safely.
 *
 * @param kind  e.g. {@code cn-resident-id}, {@code bank-card}, or a custom detector's name
 * @param start offset of the first char
 * @param end   offset after the last char
 */
public record Finding(String kind, int start, int end) {
}
