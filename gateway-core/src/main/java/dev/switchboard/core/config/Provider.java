package dev.switchboard.core.config;

/** The wire protocol a backend speaks. */
public enum Provider {
    /** OpenAI-compatible chat completions (OpenAI, DeepSeek, Qwen, GLM, Moonshot, vLLM, ...). */
    OPENAI
}
