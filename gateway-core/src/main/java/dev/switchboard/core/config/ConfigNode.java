package dev.switchboard.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cursor over the parsed YAML tree that knows its field path and collects every error instead of stopping
 * at the first, so that {@code validate} can list them all.
 */
final class ConfigNode {
    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|KiB|MB|MiB|GB|GiB)?");

    private final String path;
    private final JsonNode node;
    private final Context context;

    /** Shared by every cursor of one load: the error list and the environment. */
    record Context(List<ConfigError> errors, Function<String, String> env) {
    }

    ConfigNode(String path, JsonNode node, Context context) {
        this.path = path;
        this.node = node;
        this.context = context;
    }

    String path() {
        return path;
    }

    boolean isMissing() {
        return node == null || node.isMissingNode() || node.isNull();
    }

    boolean isArray() {
        return node != null && node.isArray();
    }

    boolean isObject() {
        return node != null && node.isObject();
    }

    boolean isScalar() {
        return node != null && node.isValueNode() && !node.isNull();
    }

    void error(String message) {
        context.errors().add(new ConfigError(path, message));
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    ConfigNode get(String key) {
        return new ConfigNode(child(key), node == null ? null : node.get(key), context);
    }

    /** Reports keys this object has that are not in {@code allowed}: typos must not pass silently. */
    void allowOnly(Set<String> allowed) {
        if (!isObject()) {
            return;
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!allowed.contains(name)) {
                context.errors().add(new ConfigError(child(name),
                        "unknown key (expected one of: " + String.join(", ", allowed.stream().sorted().toList())
                                + ")"));
            }
        }
    }

    /** The entries of an object, in file order. */
    List<Map.Entry<String, ConfigNode>> entries() {
        List<Map.Entry<String, ConfigNode>> out = new ArrayList<>();
        if (isObject()) {
            node.fields().forEachRemaining(e -> out.add(Map.entry(e.getKey(),
                    new ConfigNode(child(e.getKey()), e.getValue(), context))));
        }
        return out;
    }

    /** The items of a list; a missing node is an empty list, anything else an error. */
    List<ConfigNode> items() {
        List<ConfigNode> out = new ArrayList<>();
        if (isMissing()) {
            return out;
        }
        if (!node.isArray()) {
            error("expected a list");
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            out.add(new ConfigNode(path + "[" + i + "]", node.get(i), context));
        }
        return out;
    }

    /** A string, or a list of strings, as a list. */
    List<String> stringOrList() {
        List<String> out = new ArrayList<>();
        if (isMissing()) {
            return out;
        }
        if (isArray()) {
            for (ConfigNode item : items()) {
                item.optString().ifPresent(out::add);
            }
        } else {
            optString().ifPresent(out::add);
        }
        return out;
    }

    Optional<String> optString() {
        if (isMissing()) {
            return Optional.empty();
        }
        if (!isScalar()) {
            error("expected a text value");
            return Optional.empty();
        }
        return Optional.ofNullable(resolveEnv(node.asText()));
    }

    String requiredString() {
        if (isMissing()) {
            error("required");
            return "";
        }
        String s = optString().orElse("");
        if (s.isBlank() && isScalar()) {
            error("must not be empty");
        }
        return s;
    }

    String string(String defaultValue) {
        return optString().orElse(defaultValue);
    }

    private String resolveEnv(String raw) {
        if (raw.indexOf("${") < 0) {
            return raw;
        }
        Matcher m = ENV.matcher(raw);
        StringBuilder out = new StringBuilder();
        boolean ok = true;
        while (m.find()) {
            String value = context.env().apply(m.group(1));
            if (value == null) {
                value = m.group(2);
            }
            if (value == null) {
                error("environment variable " + m.group(1) + " is not set");
                ok = false;
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        String result = out.toString();
        if (ok && result.contains("${")) {
            error("unsupported placeholder in '" + raw + "' (expected: ${env:NAME} or ${env:NAME:-default})");
        }
        return result;
    }

    boolean bool(boolean defaultValue) {
        Optional<String> s = optString();
        if (s.isEmpty()) {
            return defaultValue;
        }
        return switch (s.get().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                error("'" + s.get() + "' (expected: true or false)");
                yield defaultValue;
            }
        };
    }

    double number(double defaultValue, double min) {
        Optional<String> s = optString();
        if (s.isEmpty()) {
            return defaultValue;
        }
        try {
            double v = Double.parseDouble(s.get().trim());
            if (!(v >= min) || Double.isInfinite(v)) {
                error(s.get() + " (expected: a number >= " + fmt(min) + ")");
                return defaultValue;
            }
            return v;
        } catch (NumberFormatException e) {
            error("'" + s.get() + "' (expected: a number)");
            return defaultValue;
        }
    }

    long integer(long defaultValue, long min, long max) {
        Optional<String> s = optString();
        if (s.isEmpty()) {
            return defaultValue;
        }
        try {
            long v = Long.parseLong(s.get().trim());
            if (v < min || v > max) {
                error(v + " (expected: " + min + ".." + max + ")");
                return defaultValue;
            }
            return v;
        } catch (NumberFormatException e) {
            error("'" + s.get() + "' (expected: a whole number)");
            return defaultValue;
        }
    }

    Duration duration(Duration defaultValue) {
        Optional<String> s = optString();
        if (s.isEmpty()) {
            return defaultValue;
        }
        Optional<Duration> d = Durations.parse(s.get());
        if (d.isEmpty()) {
            error("'" + s.get() + "' (expected: a duration such as 800ms, 2s, 10m, 1h)");
            return defaultValue;
        }
        return d.get();
    }

    long bytes(long defaultValue) {
        Optional<String> s = optString();
        if (s.isEmpty()) {
            return defaultValue;
        }
        Matcher m = SIZE.matcher(s.get().trim());
        if (!m.matches()) {
            error("'" + s.get() + "' (expected: a size such as 512KiB, 8MiB, 1GiB)");
            return defaultValue;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2);
        long factor = switch (unit) {
            case "KB" -> 1_000L;
            case "KiB" -> 1L << 10;
            case "MB" -> 1_000_000L;
            case "MiB" -> 1L << 20;
            case "GB" -> 1_000_000_000L;
            case "GiB" -> 1L << 30;
            default -> 1L;
        };
        return n * factor;
    }

    <E extends Enum<E>> E enumValue(Class<E> type, E defaultValue) {
        Optional<String> s = optString();
        if (s.isEmpty()) {
            return defaultValue;
        }
        String wanted = s.get().trim().toUpperCase(Locale.ROOT).replace('-', '_');
        // YAML 1.1 reads a bare off/on (and no/yes) as a boolean: what the user wrote was the word.
        String asWord = wanted.equals("FALSE") ? "OFF" : wanted.equals("TRUE") ? "ON" : wanted;
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(wanted) || e.name().equals(asWord)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        error("'" + s.get() + "' (expected one of: " + String.join(", ", names) + ")");
        return defaultValue;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
