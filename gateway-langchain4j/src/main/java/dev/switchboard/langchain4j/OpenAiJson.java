package dev.switchboard.langchain4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one mapper of this module: bodies are built and read as trees, never bound to classes. */
final class OpenAiJson {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private OpenAiJson() {
    }
}
