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

    static LoadGenerator.Workload chat(String model, int promptTokens, boolean stream) {
        return new LoadGenerator.Workload("/v1/chat/completions", chatBody(model, promptTokens, stream), List.of(),
                stream);
    }
}
