package dev.switchboard.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The published JSON Schema ({@code docs/switchboard.schema.json}) is what {@code validate} accepts, because it is
 * made by asking the loader itself: at every place of a complete config a probe key is put, and the loader's own
 * "unknown key (expected one of: ...)" names the keys allowed there; a probe word in a value brings out the words
 * an enumerated value allows. This test makes the schema again and fails if the committed file differs (run it with
 * {@code -Dswitchboard.schema.write=true} to write the file), so an option added to the loader appears in editors,
 * and one removed disappears.
 */
class ConfigSchemaTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PROBE = "zz-probe";
    private static final Pattern ALLOWED = Pattern.compile("unknown key \\(expected one of: ([^)]*)\\)");
    private static final Pattern WORDS = Pattern.compile("^'" + PROBE + "' \\(expected one of: ([^)]*)\\)");

    /** A config with every section and every kind of entry, so that the loader visits every place. */
    private static final String FULL = """
            server:
              listen: 127.0.0.1:8080
              admin: 127.0.0.1:9090
              auth:
                mode: keys
                keys:
                  - { tenant: t, sha256: "0000000000000000000000000000000000000000000000000000000000000000",
                      name: k, expires: 2030-01-01, routes: [chat], quota: { tokens-per-minute: 10 } }
              admin-auth: { sha256: "1111111111111111111111111111111111111111111111111111111111111111" }
            backends:
              - name: hosted-100b
                provider: openai
                base-url: https://api.example.com/v1
                api-key: k
                model: big
                residency: external
                price: { input-per-mtok: 1, output-per-mtok: 2, currency: CNY }
                limits: { max-concurrency: 4, connect-timeout: 1s, first-token-timeout: 5s, idle-timeout: 5s,
                          total-timeout: 30s, min-tokens-per-second: 1 }
                circuit-breaker: { failure-rate: 50%, window: 20, minimum-calls: 5, open-for: 5s }
                upstream-streaming: auto
                overload: { limit: adaptive }
              - { name: inhouse-10b, base-url: "http://127.0.0.1:1/v1", model: small, residency: internal }
            routes:
              - name: chat
                aliases: [assistant]
                expected-output-tokens: 256
                cache: { enabled: true }
                rules:
                  - when: { header: { x-scenario: a }, tenant: t, model: chat }
                    use: [ { backend: hosted-100b, weight: 1 }, inhouse-10b ]
                    strategy: cheapest-within-slo
                    slo: { first-token-p95: 800ms }
                    hedge: { after: 800ms }
                    reason: r
            budgets:
              - { group: bank, limit: 10 CNY/day }
              - { tenant: t, parent: bank, limit: 1 CNY/day, when-exhausted: reject, zone: UTC, alerts: [50%] }
            audit: { path: ./audit.jsonl }
            resilience:
              circuit-breaker: { failure-rate: 50% }
              retry: { attempts: 2 }
              overload: { limit: adaptive, max-queue-delay: 2ms }
            compliance: { action: route-internal, media: internal, patterns: [ { name: p, regex: "X\\\\d" } ],
                          keywords: [ { name: w, words: [a] } ] }
            cache: { enabled: true, scope: tenant }
            rate-limits: [ { tenant: t, requests-per-second: 1 } ]
            state: { store: redis, redis: { uri: "redis://127.0.0.1:6379", circuit-breaker: { window: 20 } },
                     when-unavailable: { budgets: internal-only, capacity: reject, rate-limits: local } }
            telemetry: { traces: { exporter: none }, access-log: { path: stdout } }
            alerts: { webhook: { url: "http://127.0.0.1:1/h", secret: "0123456789abcdef0123" } }
            quotas: [ { tenant: t, tokens-per-minute: 100 } ]
            """;

    private static List<String> errors(JsonNode config) throws Exception {
        try {
            ConfigLoader.withEnv(k -> null).parse(YAML.writeValueAsString(config), "probe");
            return List.of();
        } catch (ConfigException e) {
            return e.errors().stream().map(Object::toString).toList();
        }
    }

    /** The node at a path of field names and indexes (as strings), or null. */
    private static JsonNode at(JsonNode root, List<String> path) {
        JsonNode n = root;
        for (String step : path) {
            n = n == null ? null : step.matches("\\d+") ? n.get(Integer.parseInt(step)) : n.get(step);
        }
        return n;
    }

    private static void set(JsonNode root, List<String> path, JsonNode value) {
        JsonNode parent = at(root, path.subList(0, path.size() - 1));
        String last = path.get(path.size() - 1);
        if (last.matches("\\d+")) {
            ((ArrayNode) parent).set(Integer.parseInt(last), value);
        } else {
            ((ObjectNode) parent).set(last, value);
        }
    }

    /** The loader's way of writing a path: {@code routes[0].rules[0].slo}. */
    private static String written(List<String> path) {
        StringBuilder sb = new StringBuilder();
        for (String step : path) {
            if (step.matches("\\d+")) {
                sb.append('[').append(step).append(']');
            } else {
                sb.append(sb.length() == 0 ? "" : ".").append(step);
            }
        }
        return sb.toString();
    }

    /** The keys the loader allows at {@code path} (an object there), or empty when it is not an object. */
    private static Optional<List<String>> keysAt(JsonNode base, List<String> path) throws Exception {
        JsonNode copy = base.deepCopy();
        ObjectNode probe = JSON.createObjectNode().put(PROBE, 1);
        if (path.isEmpty()) {
            ((ObjectNode) copy).put(PROBE, 1);
        } else {
            JsonNode here = at(copy, path);
            if (here instanceof ObjectNode o) {
                o.put(PROBE, 1);
            } else {
                set(copy, path, probe);
            }
        }
        String prefix = (path.isEmpty() ? "" : written(path) + ".") + PROBE + ": ";
        for (String e : errors(copy)) {
            if (e.startsWith(prefix)) {
                Matcher m = ALLOWED.matcher(e);
                if (m.find()) {
                    return Optional.of(Arrays.asList(m.group(1).split(", ")));
                }
            }
        }
        return Optional.empty();
    }

    /** The words an enumerated value at {@code path} allows, when the loader names them. */
    private static Optional<List<String>> wordsAt(JsonNode base, List<String> path) throws Exception {
        JsonNode copy = base.deepCopy();
        set(copy, path, JSON.getNodeFactory().textNode(PROBE));
        String prefix = written(path) + ": ";
        for (String e : errors(copy)) {
            if (e.startsWith(prefix)) {
                Matcher m = WORDS.matcher(e.substring(prefix.length()));
                if (m.find()) {
                    return Optional.of(Arrays.asList(m.group(1).split(", ")));
                }
            }
        }
        return Optional.empty();
    }

    /** The schema of what is at {@code path} in the full config. */
    private static ObjectNode schema(JsonNode base, List<String> path) throws Exception {
        ObjectNode s = JSON.createObjectNode();
        JsonNode here = path.isEmpty() ? base : at(base, path);
        if (here != null && here.isArray() && here.size() > 0) {
            s.put("type", "array");
            List<String> first = new ArrayList<>(path);
            first.add("0");
            ObjectNode items = schema(base, first);
            boolean alsoWords = false;
            for (JsonNode item : here) {
                alsoWords |= item.isTextual() && here.get(0).isObject();
            }
            if (alsoWords) {
                // Items written either way ({backend: x, weight: 2} or just x): both are accepted.
                ArrayNode any = JSON.createArrayNode().add(items).add(JSON.createObjectNode().put("type", "string"));
                s.putObject("items").set("anyOf", any);
            } else {
                s.set("items", items);
            }
            return s;
        }
        Optional<List<String>> keys = keysAt(base, path);
        if (keys.isPresent() && (here == null || here.isObject())) {
            s.put("type", "object");
            ObjectNode properties = s.putObject("properties");
            Map<String, ObjectNode> sorted = new TreeMap<>();
            for (String k : keys.get()) {
                List<String> child = new ArrayList<>(path);
                child.add(k);
                sorted.put(k, at(base, child) == null ? JSON.createObjectNode() : schema(base, child));
            }
            sorted.forEach(properties::set);
            s.put("additionalProperties", false);
            return s;
        }
        if (here != null && here.isValueNode()) {
            Optional<List<String>> words = wordsAt(base, path);
            if (words.isPresent()) {
                ArrayNode e = s.putArray("enum");
                words.get().forEach(e::add);
            }
        }
        return s;
    }

    static ObjectNode generate() throws Exception {
        JsonNode base = YAML.readTree(FULL);
        assertThat(errors(base)).as("the probe's base config is valid").isEmpty();
        ObjectNode schema = schema(base, List.of());
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.put("$id", "https://switchboard.dev/switchboard.schema.json");
        root.put("title", "Switchboard config (switchboard.yaml)");
        root.put("description", "Made from the config loader itself by ConfigSchemaTest: every key validate "
                + "accepts, and the words of enumerated values. Values' own syntax (durations, sizes, amounts) is "
                + "checked by `switchboard validate`; see docs/CONFIG.md.");
        schema.fields().forEachRemaining(e -> root.set(e.getKey(), e.getValue()));
        return root;
    }

    @Test
    void thePublishedSchemaIsWhatTheLoaderAccepts() throws Exception {
        Path file = Path.of("..", "docs", "switchboard.schema.json");
        String made = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(generate()) + "\n";
        if (Boolean.getBoolean("switchboard.schema.write")) {
            Files.writeString(file, made);
        }
        assertThat(Files.readString(file)).as("docs/switchboard.schema.json is out of date: run this test with "
                + "-Dswitchboard.schema.write=true").isEqualTo(made);
        JsonNode schema = JSON.readTree(made);
        assertThat(schema.at("/properties/backends/items/properties/residency/enum").toString())
                .isEqualTo("[\"internal\",\"external\"]");
        assertThat(schema.at("/properties/routes/items/properties/rules/items/properties").has("hedge")).isTrue();
        assertThat(schema.at("/properties/server/properties/auth/properties/keys/items/properties").has("quota"))
                .isTrue();
    }
}
