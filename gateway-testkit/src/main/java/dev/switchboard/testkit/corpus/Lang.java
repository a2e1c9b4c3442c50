package dev.switchboard.testkit.corpus;

/** The language of a piece of filler text: bank staff write both. */
enum Lang {
    EN(" "),
    ZH("");

    /** What goes between sentences. */
    final String sentenceJoin;

    Lang(String sentenceJoin) {
        this.sentenceJoin = sentenceJoin;
    }

    Lang other() {
        return this == EN ? ZH : EN;
    }
}
