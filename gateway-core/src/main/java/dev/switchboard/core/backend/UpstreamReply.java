package dev.switchboard.core.backend;

/** A complete, successful (2xx) non-streamed answer from a backend. */
public record UpstreamReply(int status, byte[] body, String contentType) {
}
