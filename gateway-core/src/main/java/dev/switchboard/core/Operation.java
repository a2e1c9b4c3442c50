package dev.switchboard.core;

/** The OpenAI operations the gateway routes. */
public enum Operation {
    CHAT("/chat/completions"),
    EMBEDDINGS("/embeddings");

    private final String path;

    Operation(String path) {
        this.path = path;
    }

    /** The path below the backend's base URL. */
    public String path() {
        return path;
    }
}
