package dev.switchboard.core.compliance;

import java.util.regex.Pattern;

/** A custom detector: every match of the pattern is customer data of this kind. */
public record CustomPattern(String kind, Pattern pattern) {
}
