package dev.switchboard.core.internal.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.RequestView;
import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.Detectors;
import dev.switchboard.core.compliance.Finding;
import dev.switchboard.core.config.ComplianceSpec;
import dev.switchboard.testkit.corpus.BankingPrompts;
import dev.switchboard.testkit.corpus.CorpusCase;
import dev.switchboard.testkit.corpus.LeakCheck;
import dev.switchboard.testkit.corpus.Operation;
import dev.switchboard.testkit.corpus.ResidencyCorpus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The generated corpus in process, where thousands of bodies cost a second: every planted value is found in the
 * client's bytes, the egress guard agrees with the early scan on every body (planted or clean, as the client sent
 * it and as it would leave), the clean twins are clean, and ordinary banking prompts are seldom flagged.
 * {@code -Dswitchboard.corpus.size=N} for a longer run.
 */
class CorpusScanTest {
    private static final int SIZE = Integer.getInteger("switchboard.corpus.size", 4000);
    private static final long SEED = Long.getLong("switchboard.corpus.seed", 20261201L);
    /**
     * The text detectors under test: media are let through here (they are kept inside by default, whatever the text;
     * ComplianceTest and ResidencyCorpusSidecarTest hold that).
     */
    private final CompliancePolicy policy = new CompliancePolicy(new ComplianceSpec(ComplianceSpec.DEFAULTS.detectors(),
            java.util.List.of(), java.util.List.of(), ComplianceSpec.Action.ROUTE_INTERNAL, true, false,
            ComplianceSpec.Media.ALLOW));

    /** The testkit's kind names as the scanner's. */
    static String kind(String corpusKind) {
        return corpusKind.equals("uscc") ? Detectors.CREDIT_CODE : corpusKind;
    }

    private static RequestView view(Operation op, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return op == Operation.CHAT ? RequestView.chat(bytes) : RequestView.embeddings(bytes);
    }

    /**
     * Every planted body is found sensitive, and — the guarantee — masked, it holds no digit of what was planted
     * (judged against its clean twin by {@link LeakCheck}, which uses none of the gateway's detectors) and passes
     * the egress guard. The clean twins are clean, and the guard agrees with the early scan on every body, planted or
     * clean, as the client sent it and as it would leave. The kind found is the kind planted in nearly every case: a
     * mobile number right after another number can be read as the second part of a card — masked all the same.
     */
    @Test
    void everyPlantedValueIsFoundAndMaskedTheTwinsAreCleanAndTheGuardAgrees() {
        List<CorpusCase> corpus = ResidencyCorpus.generate(SEED, SIZE);
        List<String> missed = new ArrayList<>();
        List<String> otherKind = new ArrayList<>();
        List<String> leaked = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        List<String> flaggedTwins = new ArrayList<>();
        List<String> disagreements = new ArrayList<>();
        int values = 0;
        for (CorpusCase c : corpus) {
            RequestView planted = view(c.op(), c.plantedBody());
            Assessment found = policy.assess(planted);
            if (!found.sensitive()) {
                missed.add(c.id() + " " + c.kinds() + " at " + c.position());
            }
            for (String k : c.kinds()) {
                values++;
                if (!found.kinds().contains(kind(k))) {
                    otherKind.add(c.id() + " " + k + " " + c.planted().stream().filter(p -> p.kind().equals(k))
                            .map(p -> p.format() + "@" + p.site()).toList() + " found " + found.describe());
                }
            }
            com.fasterxml.jackson.databind.node.ObjectNode masked = policy.scanner()
                    .mask((com.fasterxml.jackson.databind.node.ObjectNode) planted.tree(), new Masking());
            byte[] out = planted.upstreamBodyOf(masked, "big-model-v3", true);
            List<String> leaks = LeakCheck.leaks(c.cleanBody(), new String(out, StandardCharsets.UTF_8));
            if (!leaks.isEmpty()) {
                leaked.add(c.id() + " " + leaks);
            }
            Assessment left = policy.guard().check(out);
            if (left.sensitive()) {
                refused.add(c.id() + " " + left.describe() + " " + c.position());
            }
            RequestView clean = view(c.op(), c.cleanBody());
            Assessment twin = policy.assess(clean);
            if (twin.sensitive()) {
                flaggedTwins.add(c.id() + " " + twin.describe() + " " + c.position());
            }
            for (RequestView v : List.of(planted, clean)) {
                Assessment early = policy.assess(v);
                Assessment guard = policy.guard().check(v.upstreamBody("big-model-v3", true));
                if (!early.equals(guard)) {
                    disagreements.add(c.id() + " early " + early.describe() + " guard " + guard.describe());
                }
            }
        }
        System.out.printf("corpus: %d bodies, %d values; missed %d; kind other than planted %d (%.2f%%)%n",
                corpus.size(), values, missed.size(), otherKind.size(), 100.0 * otherKind.size() / values);
        otherKind.stream().limit(5).forEach(k -> System.out.println("  other kind: " + k));
        assertThat(missed).as("planted bodies the scan found clean").isEmpty();
        assertThat(leaked).as("digits of planted values left after masking").isEmpty();
        assertThat(refused).as("masked bodies the guard would still refuse").isEmpty();
        assertThat(flaggedTwins).as("clean twins flagged").isEmpty();
        assertThat(disagreements).as("early scan and egress guard disagree").isEmpty();
        assertThat(otherKind.size()).as("values found as another kind").isLessThanOrEqualTo(values / 200);
    }

    /** False positives: a few thousand ordinary prompts and every paragraph of this project's docs. */
    @Test
    void ordinaryBankingPromptsAreSeldomFlagged() {
        SensitiveDataScanner scanner = SensitiveDataScanner.builtIn();
        List<String> prompts = BankingPrompts.generate(SEED, 3000);
        Map<String, Integer> byKind = new TreeMap<>();
        List<String> flagged = new ArrayList<>();
        for (String p : prompts) {
            List<Finding> found = scanner.scan(p);
            if (!found.isEmpty()) {
                flagged.add(p);
                found.forEach(f -> byKind.merge(f.kind(), 1, Integer::sum));
            }
        }
        System.out.printf("banking prompts: %d of %d flagged (%.2f%%) %s%n", flagged.size(), prompts.size(),
                100.0 * flagged.size() / prompts.size(), byKind);
        flagged.stream().limit(5).forEach(p -> System.out.println("  flagged: " + p));
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> paragraphs = BankingPrompts.docParagraphs(root);
        Map<String, Integer> docKinds = new TreeMap<>();
        int docFlagged = 0;
        for (String p : paragraphs) {
            List<Finding> found = scanner.scan(p);
            if (!found.isEmpty()) {
                docFlagged++;
                found.forEach(f -> docKinds.merge(f.kind(), 1, Integer::sum));
            }
        }
        System.out.printf("doc paragraphs: %d of %d flagged (%.2f%%) %s%n", docFlagged, paragraphs.size(),
                100.0 * docFlagged / Math.max(1, paragraphs.size()), docKinds);
        assertThat(paragraphs).hasSizeGreaterThan(100);
        assertThat(flagged.size()).as("false positives on ordinary banking prompts").isLessThanOrEqualTo(
                prompts.size() / 200);
    }
}
