package dev.switchboard.testkit.corpus;

/** The OpenAI operation a corpus body is for. */
public enum Operation {
    CHAT("/v1/chat/completions"),
    EMBEDDINGS("/v1/embeddings");

    private final String path;

    Operation(String path) {
        this.path = path;
    }

    /** The request path, relative to the server root. */
    public String path() {
        return path;
    }
}
