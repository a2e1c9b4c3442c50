package dev.switchboard.testkit.corpus;

import static dev.switchboard.testkit.corpus.OpenAiShapes.parse;
import static dev.switchboard.testkit.corpus.OpenAiShapes.resolve;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ResidencyCorpusTest {
    private static final List<CorpusCase> CASES = ResidencyCorpus.generate(2026, 2_000);

    @Test
    void everyBodyIsAValidRequestOfItsOperationAndItsTwinHasTheSameStructure() {
        for (CorpusCase c : CASES) {
            JsonNode planted = parse(c.plantedBody());
            JsonNode clean = parse(c.cleanBody());
            for (JsonNode body : List.of(planted, clean)) {
                if (c.op() == Operation.CHAT) {
                    OpenAiShapes.assertChat(body);
                } else {
                    OpenAiShapes.assertEmbeddings(body);
                    assertThat(c.stream()).isFalse();
                }
                assertThat(body.path("stream").asBoolean(false)).as(c.id()).isEqualTo(c.stream());
            }
            assertThat(OpenAiShapes.shape(clean)).as(c.id()).isEqualTo(OpenAiShapes.shape(planted));
        }
    }

    @Test
    void eachCaseHasOneValueOrTwoOfDifferentKinds() {
        for (CorpusCase c : CASES) {
            Set<String> values = c.planted().stream().map(Planted::canonical).collect(Collectors.toSet());
            assertThat(values).as(c.id()).hasSizeBetween(1, 2);
            assertThat(c.kinds()).as(c.id()).hasSize(values.size());
            assertThat(c.position()).isEqualTo(c.planted().stream().map(Planted::path).distinct()
                    .collect(Collectors.joining(" | ")));
        }
    }

    @Test
    void plantedValuesAreValidByIndependentChecks() {
        for (CorpusCase c : CASES) {
            for (Planted p : c.planted()) {
                assertThat(Identifiers.valid(p.kind(), p.canonical())).as("%s %s", c.id(), p).isTrue();
            }
        }
    }

    @Test
    void eachValueIsWhereItsPathSaysAndDecodesBackToTheValue() {
        for (CorpusCase c : CASES) {
            JsonNode planted = parse(c.plantedBody());
            JsonNode clean = parse(c.cleanBody());
            List<Planted> pieces = new ArrayList<>();
            for (Planted p : c.planted()) {
                Site site = Site.fromLabel(p.site());
                if (site.split()) {
                    pieces.add(p);
                    continue;
                }
                assertThat(Identifiers.decode(p.kind(), p.rendered())).as("%s %s", c.id(), p).isEqualTo(p.canonical());
                JsonNode at = resolve(planted, p.path());
                if (site.numeric()) {
                    assertThat(at.isIntegralNumber() && at.bigIntegerValue().toString().equals(p.canonical()))
                            .as("%s %s is the number %s", c.id(), p.path(), p.canonical()).isTrue();
                    assertThat(resolve(clean, p.path()).asInt()).isZero();
                    assertThat(p.format()).isEqualTo(Formats.PLAIN);
                } else {
                    assertThat(at.textValue()).as(c.id()).contains(p.rendered());
                    assertThat(resolve(clean, p.path()).textValue()).as(c.id()).doesNotContain(p.rendered());
                    if (p.kind().equals(SensitiveValues.BANK_ACCOUNT)) {
                        assertThat(SensitiveValues.ACCOUNT_KEYWORDS).as("%s: a keyword right before %s", c.id(), p)
                                .anyMatch(k -> at.textValue().contains(k + p.rendered()));
                    }
                }
            }
            if (!pieces.isEmpty()) {
                assertThat(pieces).as(c.id()).hasSize(2);
                assertSplit(c, planted, pieces.get(0), pieces.get(1));
            }
        }
    }

    /**
     * The first piece ends one text and the second starts the next (with a gap: a few words between, under twenty
     * characters), the two texts are adjacent, and the pieces together decode to the value.
     */
    private static void assertSplit(CorpusCase c, JsonNode body, Planted first, Planted second) {
        Site site = Site.fromLabel(first.site());
        assertThat(second.site()).isEqualTo(first.site());
        assertThat(second.canonical()).isEqualTo(first.canonical());
        assertThat(first.kind()).isIn(SensitiveValues.RESIDENT_ID, SensitiveValues.BANK_CARD, SensitiveValues.MOBILE,
                SensitiveValues.BANK_ACCOUNT);
        assertThat(first.rendered().length()).isGreaterThanOrEqualTo(4);
        assertThat(second.rendered().length()).isGreaterThanOrEqualTo(4);
        assertThat(Identifiers.decode(first.kind(), first.rendered() + second.rendered())).as(c.id())
                .isEqualTo(first.canonical());
        assertThat(adjacent(first.path(), second.path())).as("%s: %s then %s", c.id(), first.path(), second.path())
                .isTrue();
        String one = resolve(body, first.path()).textValue();
        String two = resolve(body, second.path()).textValue();
        if (site.gap()) {
            assertThat(first.kind()).isIn(SensitiveValues.RESIDENT_ID, SensitiveValues.BANK_CARD);
            int end = one.lastIndexOf(first.rendered()) + first.rendered().length();
            int start = two.indexOf(second.rendered());
            assertThat(end).as(c.id()).isGreaterThanOrEqualTo(first.rendered().length());
            assertThat(start).as(c.id()).isPositive();
            assertThat(one.length() - end + start).as("%s: words between the pieces", c.id()).isBetween(1, 20);
        } else {
            assertThat(one).as(c.id()).endsWith(first.rendered());
            assertThat(two).as(c.id()).startsWith(second.rendered());
            if (first.kind().equals(SensitiveValues.BANK_ACCOUNT)) {
                String before = one.substring(0, one.length() - first.rendered().length());
                assertThat(SensitiveValues.ACCOUNT_KEYWORDS).as(c.id()).anyMatch(before::endsWith);
            }
        }
    }

    /** Consecutive messages' contents, consecutive parts of one message, or consecutive inputs. */
    private static boolean adjacent(String first, String second) {
        String[] a = first.split("[\\[\\]]");
        String[] b = second.split("[\\[\\]]");
        if (first.startsWith("input[")) {
            return Integer.parseInt(b[1]) == Integer.parseInt(a[1]) + 1;
        }
        if (first.endsWith(".text")) { // messages[i].content[j].text
            return a[1].equals(b[1]) && Integer.parseInt(b[3]) == Integer.parseInt(a[3]) + 1;
        }
        return first.endsWith(".content") && second.endsWith(".content")
                && Integer.parseInt(b[1]) == Integer.parseInt(a[1]) + 1;
    }

    @Test
    void theCleanTwinHoldsNoPieceOfAnyValue() {
        for (CorpusCase c : CASES) {
            String texts = OpenAiShapes.texts(parse(c.cleanBody()));
            List<String> runs = Identifiers.digitRuns(texts);
            for (Planted p : c.planted()) {
                assertThat(texts).as(c.id()).doesNotContain(p.rendered());
                for (String run : Identifiers.digitRuns(p.canonical())) {
                    for (int i = 0; i + 4 <= run.length(); i++) {
                        String window = run.substring(i, i + 4);
                        assertThat(runs).as("%s: %s of %s", c.id(), window, p.canonical())
                                .noneMatch(r -> r.contains(window));
                    }
                }
            }
        }
    }

    @Test
    void fillerUsesShortNumbersOnly() {
        for (CorpusCase c : CASES) {
            assertThat(Identifiers.digitRuns(c.cleanBody())).as(c.id()).allMatch(run -> run.length() <= 4);
        }
    }

    @Test
    void everySiteFormatAndKindAppearsIn2000Cases() {
        Set<String> sites = new HashSet<>();
        Set<String> formats = new HashSet<>();
        Set<String> kinds = new HashSet<>();
        for (CorpusCase c : CASES) {
            for (Planted p : c.planted()) {
                sites.add(p.site());
                formats.add(p.format());
                kinds.add(p.kind());
            }
        }
        assertThat(sites).containsExactlyInAnyOrderElementsOf(Arrays.stream(Site.values()).map(Site::label).toList());
        assertThat(formats).containsExactlyInAnyOrderElementsOf(Formats.ALL);
        assertThat(kinds).containsExactlyInAnyOrderElementsOf(SensitiveValues.KINDS);
    }

    @Test
    void theMixMatchesTheSpecification() {
        long embeddings = CASES.stream().filter(c -> c.op() == Operation.EMBEDDINGS).count();
        long chat = CASES.size() - embeddings;
        long streaming = CASES.stream().filter(CorpusCase::stream).count();
        long split = CASES.stream().filter(CorpusCase::split).count();
        long twoValues = CASES.stream().filter(c -> c.kinds().size() == 2).count();
        assertThat(embeddings / (double) CASES.size()).isBetween(0.15, 0.25);
        assertThat(streaming / (double) chat).isBetween(0.35, 0.45);
        assertThat(split / (double) CASES.size()).isBetween(0.2, 0.3);
        assertThat(twoValues / (double) CASES.size()).isBetween(0.05, 0.2);
    }

    @Test
    void aNumberSiteHoldsABareJsonNumber() {
        List<CorpusCase> numeric = CASES.stream().filter(c -> c.planted().stream()
                .anyMatch(p -> Site.fromLabel(p.site()).numeric())).toList();
        assertThat(numeric).isNotEmpty();
        for (CorpusCase c : numeric) {
            Planted p = c.planted().stream().filter(q -> Site.fromLabel(q.site()).numeric()).findFirst().orElseThrow();
            assertThat(c.plantedBody()).contains("\"" + p.path() + "\":" + p.canonical());
            if (p.site().equals(Site.SEED.label())) {
                assertThat(p.kind()).isEqualTo(SensitiveValues.MOBILE);
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameCasesAndAShorterRunIsAPrefix() {
        List<CorpusCase> again = ResidencyCorpus.generate(2026, 300);
        assertThat(again).isEqualTo(CASES.subList(0, 300));
        assertThat(ResidencyCorpus.generate(2027, 50)).isNotEqualTo(CASES.subList(0, 50));
        assertThat(CASES.get(7).id()).isEqualTo("2026-00007");
    }

    @Test
    void fiveThousandCasesTakeWellUnderTwoSecondsOfCpu() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        ResidencyCorpus.generate(1, 1_000); // warm up
        long best = Long.MAX_VALUE;
        // CPU time, best of three: the build machine is shared, so wall time says more about neighbours than code.
        for (int run = 0; run < 3; run++) {
            long start = threads.getCurrentThreadCpuTime();
            assertThat(ResidencyCorpus.generate(run, 5_000)).hasSize(5_000);
            best = Math.min(best, threads.getCurrentThreadCpuTime() - start);
        }
        assertThat(best / 1_000_000).as("ms of CPU for 5,000 cases").isLessThan(2_000);
    }
}
