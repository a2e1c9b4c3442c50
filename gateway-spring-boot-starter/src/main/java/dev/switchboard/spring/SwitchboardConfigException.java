package dev.switchboard.spring;

import dev.switchboard.core.config.ConfigError;
import java.util.List;
import java.util.stream.Collectors;

/** The gateway's config cannot be used: every error, each with its field's path ({@code switchboard.routes[0]...}). */
public final class SwitchboardConfigException extends RuntimeException {
    private final String source;
    private final List<ConfigError> errors;

    public SwitchboardConfigException(String source, List<ConfigError> errors) {
        super("invalid Switchboard config (" + source + "):\n  " + errors.stream().map(ConfigError::toString)
                .collect(Collectors.joining("\n  ")));
        this.source = source;
        this.errors = List.copyOf(errors);
    }

    /** The file, or "switchboard.* properties". */
    public String source() {
        return source;
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
