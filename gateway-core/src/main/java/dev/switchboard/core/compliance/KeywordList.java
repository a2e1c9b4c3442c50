package dev.switchboard.core.compliance;

import java.util.List;
import java.util.Locale;

/** A custom detector: a named list of words, matched without regard to case. */
public record KeywordList(String kind, List<String> words) {
    public KeywordList {
        words = words.stream().map(w -> w.toLowerCase(Locale.ROOT)).toList();
    }
}
