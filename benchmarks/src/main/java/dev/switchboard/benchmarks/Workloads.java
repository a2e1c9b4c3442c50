package dev.switchboard.benchmarks;

import dev.switchboard.benchmarks.load.LoadGenerator;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The request bodies the benchmarks send. */
final class Workloads {
    private Workloads() {
    }

    /** A chat completion whose user message is about {@code promptTokens} tokens of plain English. */
    static byte[] chatBody(String model, int promptTokens, boolean stream) {
        return chatBody(model, promptTokens, stream, "0.2");
    }

    static byte[] chatBody(String model, int promptTokens, boolean stream, String temperature) {
        StringBuilder text = new StringBuilder();
        String[] words = {"review", "the", "account", "history", "for", "unusual", "transfers", "and", "summarise"};
        for (int i = 0; i < promptTokens; i++) {
            text.append(words[i % words.length]).append(' ');
        }
        String body = "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"temperature\":" + temperature + ","
                + "\"messages\":[{\"role\":\"system\",\"content\":\"You are a careful bank analyst.\"},"
                + "{\"role\":\"user\",\"content\":\"" + text.toString().trim() + "\"}]}";
        return body.getBytes(StandardCharsets.UTF_8);
    }

    /** Deterministic requests (temperature 0) to a cached route: after the first, every one is a hit. */
    static LoadGenerator.Workload cached(String model, int promptTokens) {
        return new LoadGenerator.Workload("/v1/chat/completions", chatBody(model, promptTokens, false, "0"), List.of(),
                false);
    }

    /**
     * Chat completions whose user messages are 1,024 different passages of real text — slices of this project's
     * documentation (prose, tables, figures, code) — sent in turn: unlike {@link #chat}, whose nine words repeat,
     * these exercise token counting and scanning the way varied prompts of one domain do.
     */
    static LoadGenerator.Workload variedChat(String model, int promptTokens, boolean stream, java.nio.file.Path docs) {
        StringBuilder corpus = new StringBuilder();
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(docs)) {
            for (java.nio.file.Path f : files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
                corpus.append(java.nio.file.Files.readString(f)).append('\n');
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("--prompts varied reads the project's docs/ folder: run from the project "
                    + "root (" + e.getMessage() + ")", e);
        }
        int chars = promptTokens * 4; // about four characters a token in this text
        java.util.Random random = new java.util.Random(42);
        List<byte[]> bodies = new java.util.ArrayList<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int i = 0; i < 1024; i++) {
            int from = random.nextInt(Math.max(1, corpus.length() - chars));
            String passage = corpus.substring(from, Math.min(corpus.length(), from + chars));
            com.fasterxml.jackson.databind.node.ObjectNode body = json.createObjectNode().put("model", model)
                    .put("stream", stream).put("temperature", 0.2);
            body.putArray("messages").add(json.createObjectNode().put("role", "system")
                    .put("content", "You are a careful bank analyst.")).add(json.createObjectNode()
                    .put("role", "user").put("content", passage));
            try {
                bodies.add(json.writeValueAsBytes(body));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return new LoadGenerator.Workload("/v1/chat/completions", bodies, List.of(), stream);
    }

    static LoadGenerator.Workload chat(String model, int promptTokens, boolean stream) {
        return new LoadGenerator.Workload("/v1/chat/completions", chatBody(model, promptTokens, stream), List.of(),
                stream);
    }

    /**
     * The class-metadata threshold every benchmarked JVM runs with. The sidecar's classes fill about 21 MB of
     * metaspace, the JVM's default first threshold: crossing it, tens of seconds into a run, made the parallel
     * collector stop the sidecar for a full collection of about 40 ms (BENCHMARKS.md section 11, "The tail").
     */
    static final String METASPACE = "-XX:MetaspaceSize=64m";

    /** The sidecar's flags in the load benchmarks: what OPERATIONS.md recommends ("JVM flags"). */
    static final String SIDECAR_JVM_ARGS = "-Xms512m -Xmx512m -XX:+UseParallelGC -XX:+AlwaysPreTouch " + METASPACE;

    /** The simulated model's flags, on the same collector and with the same threshold as the sidecar. */
    static final List<String> MODEL_JVM = List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC", METASPACE);

    /**
     * The command of the load benchmarks' simulated model, {@code bench-model} on a free port, answering
     * {@code responseTokens} tokens. It keeps no record of what it receives ({@code --record-limit 0}): it shares a
     * core with the load generator, and copying each body out for a record costs it a quarter more per call.
     */
    static java.util.List<String> benchModel(int responseTokens) {
        return java.util.List.of("mock-model", "--port", "0", "--record-limit", "0", "--model", "bench-model",
                "--response-tokens", Integer.toString(responseTokens));
    }

    /**
     * The sidecar config the load benchmarks share: one simulated backend, {@code bench-backend} on
     * {@code backendPort}, behind the route {@code bench}; {@code moreRoutes} (route items, indented as list items
     * under {@code routes:}) and {@code more} (top-level keys) are added. Written to a temporary file.
     */
    static java.nio.file.Path benchConfig(int backendPort, String moreRoutes, String more) throws java.io.IOException {
        java.nio.file.Path config = java.nio.file.Files.createTempFile("switchboard-bench", ".yaml");
        java.nio.file.Files.writeString(config, """
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - name: bench-backend
                    base-url: http://127.0.0.1:%d/v1
                    model: bench-model
                    residency: internal
                    limits: { max-concurrency: 8192 }
                routes:
                  - name: bench
                    rules:
                      - use: [bench-backend]
                """.formatted(backendPort) + moreRoutes + more);
        return config;
    }
}
