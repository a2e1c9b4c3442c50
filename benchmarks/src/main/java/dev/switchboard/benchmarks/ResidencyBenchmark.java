package dev.switchboard.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.Detectors;
import dev.switchboard.core.config.ComplianceSpec;
import dev.switchboard.core.internal.compliance.CompliancePolicy;
import dev.switchboard.core.internal.compliance.SensitiveDataScanner;
import dev.switchboard.testkit.corpus.BankingPrompts;
import dev.switchboard.testkit.corpus.CorpusCase;
import dev.switchboard.testkit.corpus.LeakCheck;
import dev.switchboard.testkit.corpus.Operation;
import dev.switchboard.testkit.corpus.ResidencyCorpus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The residency promise at scale. In process: every generated body scanned (planted values found, clean twins
 * clean, the egress guard agreeing with the early scan) and the false-positive rate on ordinary banking prompts and
 * this project's docs. Through a sidecar process to two simulated models: each planted body and its clean twin
 * sent in {@code route-internal} and {@code mask} modes; what the external model received is read back from its
 * {@code GET /__received} and judged with {@link LeakCheck} against the clean twin.
 */
@Command(name = "residency", mixinStandardHelpOptions = true,
        description = "The data-residency corpus, in process and through a sidecar process, with its figures.")
final class ResidencyBenchmark implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @picocli.CommandLine.Mixin
    Processes processes;

    @Option(names = "--bodies", defaultValue = "20000", description = "Generated bodies (default: ${DEFAULT-VALUE}).")
    int bodies;

    @Option(names = "--sidecar-bodies", defaultValue = "5000",
            description = "Of those, sent through the sidecar in each mode (default: ${DEFAULT-VALUE}; 0 skips it).")
    int sidecarBodies;

    @Option(names = "--seed", defaultValue = "20261201", description = "Corpus seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--prompts", defaultValue = "5000", description = "Ordinary banking prompts for false positives.")
    int prompts;

    @Option(names = "--docs", defaultValue = ".", description = "Project root whose docs are read for false positives.")
    Path root;

    @Option(names = "--out", description = "Also write the report (markdown) to this file.")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<CorpusCase> corpus = ResidencyCorpus.generate(seed, bodies);
        StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
                "# residency: %d generated bodies (seed %d)%n%n", corpus.size(), seed));
        boolean ok = inProcess(corpus, report);
        falsePositives(report);
        if (sidecarBodies > 0) {
            for (String action : List.of("route-internal", "mask")) {
                ok &= throughSidecar(corpus.subList(0, Math.min(sidecarBodies, corpus.size())), action, report);
            }
        }
        System.out.println(report);
        if (out != null) {
            Files.writeString(out, report.toString());
        }
        return ok ? 0 : 1;
    }

    private boolean inProcess(List<CorpusCase> corpus, StringBuilder report) {
        // The text detectors are measured: media are let through (by default they stay inside whatever the text).
        CompliancePolicy policy = new CompliancePolicy(new ComplianceSpec(ComplianceSpec.DEFAULTS.detectors(),
                List.of(), List.of(), ComplianceSpec.Action.ROUTE_INTERNAL, true, false, ComplianceSpec.Media.ALLOW));
        int missed = 0;
        int otherKind = 0;
        int values = 0;
        int flaggedTwins = 0;
        int disagreements = 0;
        int split = 0;
        long nanos = 0;
        long bytes = 0;
        for (CorpusCase c : corpus) {
            RequestView planted = view(c.op(), c.plantedBody());
            RequestView clean = view(c.op(), c.cleanBody());
            long t0 = System.nanoTime();
            Assessment found = policy.assess(planted);
            Assessment twin = policy.assess(clean);
            nanos += System.nanoTime() - t0;
            bytes += planted.size() + clean.size();
            split += c.split() ? 1 : 0;
            missed += found.sensitive() ? 0 : 1;
            flaggedTwins += twin.sensitive() ? 1 : 0;
            for (String k : c.kinds()) {
                values++;
                otherKind += found.kinds().contains(k.equals("uscc") ? Detectors.CREDIT_CODE : k) ? 0 : 1;
            }
            for (RequestView v : List.of(planted, clean)) {
                if (!policy.assess(v).equals(policy.guard().check(v.upstreamBody("big-model-v3", true)))) {
                    disagreements++;
                }
            }
        }
        report.append("## In process\n\n| figure | value |\n|---|---|\n");
        row(report, "bodies (of them with a value in two parts)", corpus.size() + " (" + split + ")");
        row(report, "planted values", values);
        row(report, "bodies with a planted value found clean (missed)", missed);
        row(report, "values found as another kind (still caught)", String.format(Locale.ROOT, "%d (%.2f%%)",
                otherKind, 100.0 * otherKind / Math.max(1, values)));
        row(report, "clean twins flagged", flaggedTwins);
        row(report, "bodies where the egress guard and the early scan disagree", disagreements);
        row(report, "scan time per body (mean, early scan, this JVM)", String.format(Locale.ROOT, "%.1f µs (%.0f bytes)",
                nanos / 1e3 / (2.0 * corpus.size()), bytes / (2.0 * corpus.size())));
        report.append('\n');
        return missed == 0 && flaggedTwins == 0 && disagreements == 0;
    }

    private void falsePositives(StringBuilder report) {
        SensitiveDataScanner scanner = SensitiveDataScanner.builtIn();
        report.append("## False positives\n\n| text | flagged | kinds |\n|---|---|---|\n");
        List<String> banking = BankingPrompts.generate(seed, prompts);
        count(report, "ordinary banking prompts (" + BankingPrompts.templateCount() + " templates)", banking, scanner);
        count(report, "paragraphs of this project's docs", BankingPrompts.docParagraphs(root), scanner);
        report.append('\n');
    }

    private static void count(StringBuilder report, String what, List<String> texts, SensitiveDataScanner scanner) {
        Map<String, Integer> kinds = new TreeMap<>();
        int flagged = 0;
        for (String t : texts) {
            var found = scanner.scan(t);
            flagged += found.isEmpty() ? 0 : 1;
            found.forEach(f -> kinds.merge(f.kind(), 1, Integer::sum));
        }
        report.append(String.format(Locale.ROOT, "| %s | %d of %d (%.2f%%) | %s |%n", what, flagged, texts.size(),
                100.0 * flagged / Math.max(1, texts.size()), kinds.isEmpty() ? "—" : kinds));
    }

    private boolean throughSidecar(List<CorpusCase> cases, String action, StringBuilder report) throws Exception {
        List<String> model = List.of("-Xms128m", "-Xmx512m");
        try (ManagedProcess external = processes.start("external-model", model, List.of("mock-model", "--port", "0",
                "--model", "big-model-v3", "--response-tokens", "2", "--record-limit", "100000"));
             ManagedProcess internal = processes.start("internal-model", model, List.of("mock-model", "--port", "0",
                     "--model", "qwen", "--response-tokens", "2", "--record-limit", "10"))) {
            Path config = Files.createTempFile("switchboard-residency", ".yaml");
            Files.writeString(config, """
                    server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                    backends:
                      - { name: hosted-100b, base-url: "http://127.0.0.1:%d/v1", model: big-model-v3, residency: external }
                      - { name: inhouse-10b, base-url: "http://127.0.0.1:%d/v1", model: qwen, residency: internal }
                    routes:
                      - { name: chat, rules: [ { use: [hosted-100b, inhouse-10b] } ] }
                      - { name: embed, rules: [ { use: [hosted-100b, inhouse-10b] } ] }
                    compliance: { action: %s, media: allow }   # the text detectors are what is measured
                    """.formatted(external.port(), internal.port(), action));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            List<String> problems = new ArrayList<>();
            long since = 0;
            long started = System.nanoTime();
            try (ManagedProcess sidecar = processes.start("sidecar", List.of("-Xms256m", "-Xmx512m"),
                    List.of("serve", "--config", config.toString()))) {
                for (int from = 0; from < cases.size(); from += 250) {
                    List<CorpusCase> chunk = cases.subList(from, Math.min(cases.size(), from + 250));
                    for (CorpusCase c : chunk) {
                        for (String body : List.of(c.plantedBody(), c.cleanBody())) {
                            HttpResponse<String> r = post(http, sidecar.port(), c.op().path(), body);
                            if (r.statusCode() != 200) {
                                problems.add(c.id() + ": HTTP " + r.statusCode());
                            }
                        }
                    }
                    JsonNode received = JSON.readTree(get(http, external.port(), "/__received?since=" + since));
                    List<String> sent = new ArrayList<>();
                    for (JsonNode r : received.path("data")) {
                        since = Math.max(since, r.path("seq").asLong());
                        sent.add(r.path("body").isTextual() ? r.path("body").asText() : r.path("body").toString());
                    }
                    judge(chunk, sent, action, problems);
                }
            } finally {
                Files.deleteIfExists(config);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            report.append(String.format(Locale.ROOT, "## Through a sidecar process, `%s`%n%n", action));
            report.append("| figure | value |\n|---|---|\n");
            row(report, "bodies sent (planted and their clean twins)", 2 * cases.size());
            row(report, action.equals("mask") ? "planted bodies the external model received with a digit of a "
                    + "planted value (LeakCheck against the twin)" : "planted bodies the external model received",
                    problems.stream().filter(p -> p.contains("planted")).count());
            row(report, "clean twins that did not reach the external model unchanged",
                    problems.stream().filter(p -> p.contains("twin")).count());
            row(report, "other problems (HTTP errors)", problems.stream().filter(p -> p.contains("HTTP")).count());
            row(report, "time", String.format(Locale.ROOT, "%.1f s (%.0f requests/s, one at a time)", seconds,
                    2 * cases.size() / seconds));
            report.append('\n');
            problems.stream().limit(10).forEach(p -> report.append("- ").append(p).append('\n'));
            return problems.isEmpty();
        }
    }

    /** What the external model received for a chunk, in order, against what each case allows. */
    private static void judge(List<CorpusCase> chunk, List<String> sent, String action, List<String> problems)
            throws Exception {
        int at = 0;
        for (CorpusCase c : chunk) {
            if (action.equals("mask")) {
                if (at >= sent.size()) {
                    problems.add(c.id() + ": planted body did not reach the external model");
                    continue;
                }
                List<String> leaks = LeakCheck.leaks(c.cleanBody(), sent.get(at++));
                if (!leaks.isEmpty()) {
                    problems.add(c.id() + ": planted value leaked " + leaks);
                }
            }
            if (at >= sent.size() || !same(c.cleanBody(), sent.get(at))) {
                problems.add(c.id() + ": clean twin not received as sent" + (action.equals("route-internal")
                        ? " (or a planted body received instead)" : ""));
                // Re-align on the next clean twin: a planted body received in route-internal shows here.
                while (at < sent.size() && !same(c.cleanBody(), sent.get(at))) {
                    at++;
                }
            }
            at++;
        }
        if (at < sent.size()) {
            problems.add("the external model received " + (sent.size() - at) + " planted bodies more than expected");
        }
    }

    private static boolean same(String sent, String received) throws Exception {
        JsonNode a = JSON.readTree(sent);
        JsonNode b = JSON.readTree(received);
        ((ObjectNode) a).remove(List.of("model", "stream_options"));
        ((ObjectNode) b).remove(List.of("model", "stream_options"));
        return a.equals(b);
    }

    private static RequestView view(Operation op, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return op == Operation.CHAT ? RequestView.chat(bytes) : RequestView.embeddings(bytes);
    }

    private static HttpResponse<String> post(HttpClient http, int port, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String get(HttpClient http, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void row(StringBuilder report, String figure, Object value) {
        report.append("| ").append(figure).append(" | ").append(value).append(" |\n");
    }
}
