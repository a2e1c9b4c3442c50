package dev.switchboard.core.config;

/**
 * One problem in a config file: the exact path of the field and what is wrong with it, e.g.
 * {@code routes[0].rules[2].use[1]: unknown backend 'x'}.
 */
public record ConfigError(String path, String message) {
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}
