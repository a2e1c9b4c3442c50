package dev.switchboard.springai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one mapper of this module (Jackson 2, as the gateway's; Spring AI's own Jackson 3 stays out of it): bodies
 * are built and read as trees, never bound to classes.
 */
final class OpenAiJson {
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private OpenAiJson() {
    }
}
