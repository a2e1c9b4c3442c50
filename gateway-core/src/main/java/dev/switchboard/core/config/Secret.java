package dev.switchboard.core.config;

import java.util.Objects;

/** A credential from the config; never printed, logged or serialised in clear. */
public final class Secret {
    private static final Secret NONE = new Secret("");
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        return value == null || value.isEmpty() ? NONE : new Secret(value);
    }

    public static Secret none() {
        return NONE;
    }

    /** The clear value, for the one place that sends it upstream. */
    public String reveal() {
        return value;
    }

    public boolean isPresent() {
        return !value.isEmpty();
    }

    @Override
    public String toString() {
        return value.isEmpty() ? "" : "***";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value);
    }
}
