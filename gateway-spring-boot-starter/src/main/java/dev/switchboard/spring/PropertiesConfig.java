package dev.switchboard.spring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.switchboard.core.config.ConfigError;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The {@code switchboard.*} properties of a Spring environment as the YAML document the config loader reads, so they
 * are validated by the same code, with the same field paths, as a {@code switchboard.yaml}.
 *
 * <p>Spring's rules are kept: a property source of higher precedence wins a value, and a list comes whole from the
 * highest source that has it (lists are replaced, not merged). A value reads as it would in a YAML file ({@code 256}
 * a number, {@code true} a boolean, {@code 2s} text); {@code ${env:NAME}} is left for the loader, as in a file, and
 * any other {@code ${...}} is Spring's placeholder, resolved by the environment (unresolvable: an error).
 *
 * <p>Environment variables are not read as config: their names cannot spell the config's dashed keys, and a platform
 * sets variables of its own under any prefix (Kubernetes' {@code SWITCHBOARD_SERVICE_HOST} for a Service named
 * switchboard). A value reads one with {@code ${env:NAME}}. Keys are written as in the file ({@code base-url}): a
 * camel-case key is an error that says so.
 */
final class PropertiesConfig {
    static final String PREFIX = "switchboard";
    /** The starter's own settings, not part of the gateway's config. */
    private static final Set<String> OWN = Set.of("config", "watch");
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of(PREFIX);
    /** Stands for {@code ${env:} while Spring resolves its own placeholders: no placeholder syntax in it. */
    private static final String ENV_MARK = "\u0000switchboard-env:";

    private PropertiesConfig() {
    }

    /** A list index beyond this is a mistake, not a config (and would make a list of that many empty places). */
    static final int MAX_INDEX = 9_999;

    /**
     * The config as a JSON document (JSON is YAML), or null when no {@code switchboard.*} property configures it.
     *
     * @throws SwitchboardConfigException naming each property that cannot be part of a config
     */
    static String read(ConfigurableEnvironment environment) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        List<ConfigError> errors = new ArrayList<>();
        Map<JsonNode, Integer> listOwner = new IdentityHashMap<>();
        int rank = 0;
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            rank++;
            if (!(source instanceof IterableConfigurationPropertySource iterable)
                    || source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource) {
                continue;
            }
            for (ConfigurationPropertyName name : (Iterable<ConfigurationPropertyName>) iterable.stream()::iterator) {
                if (!ROOT.isAncestorOf(name) || OWN.contains(name.getElement(1, ConfigurationPropertyName.Form.DASHED))) {
                    continue;
                }
                String problem = problem(name);
                if (problem != null) {
                    errors.add(new ConfigError(name.toString(), problem));
                    continue;
                }
                ConfigurationProperty property = source.getConfigurationProperty(name);
                if (property != null && property.getValue() != null) {
                    try {
                        put(root, name, value(property.getValue(), environment), rank, listOwner);
                    } catch (IllegalArgumentException e) { // an unresolvable Spring placeholder
                        errors.add(new ConfigError(name.toString(), e.getMessage()));
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new SwitchboardConfigException("switchboard.* properties", errors);
        }
        if (root.isEmpty()) {
            return null;
        }
        return root.toString();
    }

    /** Why a property name cannot be a place in the config, or null. */
    private static String problem(ConfigurationPropertyName name) {
        for (int i = 1; i < name.getNumberOfElements(); i++) {
            String original = name.getElement(i, ConfigurationPropertyName.Form.ORIGINAL);
            if (name.isNumericIndex(i)) {
                if (original.length() > 5 || Integer.parseInt(original) > MAX_INDEX) {
                    return "index " + original + " (expected at most " + MAX_INDEX + ")";
                }
            } else if (!original.equals(original.toLowerCase(java.util.Locale.ROOT))) {
                return "'" + original + "' (keys are written as in switchboard.yaml, in lower case with dashes: "
                        + original.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT) + ")";
            }
        }
        return null;
    }

    /** Sets the value at the name's place, unless a source of higher precedence set it or owns a list on the way. */
    private static void put(ObjectNode root, ConfigurationPropertyName name, JsonNode value, int rank,
            Map<JsonNode, Integer> listOwner) {
        JsonNode node = root;
        int last = name.getNumberOfElements() - 1;
        for (int i = 1; i <= last; i++) {
            boolean index = name.isNumericIndex(i);
            String element = name.getElement(i, ConfigurationPropertyName.Form.DASHED);
            boolean nextIsIndex = i < last && name.isNumericIndex(i + 1);
            if (node instanceof ArrayNode array) {
                if (!index) {
                    return; // a key under a list: not this shape, let the loader's own check report the rest
                }
                if (listOwner.getOrDefault(array, rank) != rank) {
                    return; // the list came whole from a source of higher precedence
                }
                int at = Integer.parseInt(element);
                while (array.size() <= at) {
                    array.addNull();
                }
                if (i == last) {
                    if (array.get(at).isNull()) {
                        array.set(at, value);
                    }
                    return;
                }
                JsonNode child = array.get(at);
                if (child.isNull()) {
                    child = nextIsIndex ? array.arrayNode() : array.objectNode();
                    array.set(at, child);
                    if (child instanceof ArrayNode) {
                        listOwner.put(child, rank);
                    }
                }
                node = child;
            } else if (node instanceof ObjectNode object) {
                if (i == last) {
                    if (!object.has(element)) {
                        object.set(element, value);
                    }
                    return;
                }
                JsonNode child = object.get(element);
                if (child == null) {
                    child = nextIsIndex ? object.putArray(element) : object.putObject(element);
                    if (child instanceof ArrayNode) {
                        listOwner.put(child, rank);
                    }
                }
                node = child;
            } else {
                return; // a value of higher precedence is already there
            }
        }
    }

    private static JsonNode value(Object raw, ConfigurableEnvironment environment) {
        if (!(raw instanceof String text)) {
            return YAML.valueToTree(raw); // typed already (a YAML application file): 256, true
        }
        // ${env:NAME} is the loader's: hidden from Spring's resolver (which would read "env" with the default "NAME"),
        // everything else resolved, so both forms may share a value.
        String resolved = environment.resolveRequiredPlaceholders(text.replace("${env:", ENV_MARK))
                .replace(ENV_MARK, "${env:");
        try {
            JsonNode scalar = YAML.readTree(resolved);
            // Numbers and booleans as a YAML file would read them; anything else stays the text it was written as.
            if (scalar != null && (scalar.isNumber() || scalar.isBoolean())) {
                return scalar;
            }
        } catch (java.io.IOException e) {
            // not YAML on its own (a colon, a bracket): text
        }
        return TextNode.valueOf(resolved);
    }
}
