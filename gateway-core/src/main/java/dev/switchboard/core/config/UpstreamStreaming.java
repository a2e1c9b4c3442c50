package dev.switchboard.core.config;

/**
 * Whether a non-streamed chat call is streamed from the backend and assembled into one answer, so that
 * {@code first-token-timeout} and the first-token statistics cover it too. The body then goes up with
 * {@code stream: true} and {@code stream_options.include_usage} added (re-encoded from the parsed body, numbers as
 * written), which is why it is opt-in per backend.
 */
public enum UpstreamStreaming {
    /** When the answer can be reassembled exactly: text, tool calls, refusals, any number of choices, no logprobs or audio. */
    AUTO,
    /** Every non-streamed chat call the assembler can reproduce, logprobs included; audio answers are still sent as they are. */
    ALWAYS,
    /**
     * Never (the default): a non-streamed call goes upstream as the client sent it, byte for byte, bounded by
     * {@code total-timeout} only.
     */
    NEVER
}
