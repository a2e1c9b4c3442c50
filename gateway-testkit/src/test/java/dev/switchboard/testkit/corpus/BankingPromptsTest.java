package dev.switchboard.testkit.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BankingPromptsTest {
    private static final List<String> PROMPTS = BankingPrompts.generate(7, 3_000);
    private static final Pattern CJK = Pattern.compile("\\p{IsHan}");

    @Test
    void thereAreManyTemplatesInBothLanguagesAndEveryPromptIsFilledIn() {
        assertThat(BankingPrompts.templateCount()).isGreaterThanOrEqualTo(60);
        assertThat(PROMPTS).hasSize(3_000);
        assertThat(PROMPTS).noneMatch(p -> p.contains("{") && p.matches("(?s).*\\{[a-z_0-9]+}.*"));
        long chinese = PROMPTS.stream().filter(p -> CJK.matcher(p).find()).count();
        assertThat(chinese).isBetween(1_000L, 2_000L);
        assertThat(new HashSet<>(PROMPTS).size()).isGreaterThan(2_950);
    }

    @Test
    void theSameSeedGivesTheSamePrompts() {
        assertThat(BankingPrompts.generate(7, 3_000)).isEqualTo(PROMPTS);
        assertThat(BankingPrompts.generate(8, 100)).isNotEqualTo(PROMPTS.subList(0, 100));
    }

    @Test
    void promptsAreFullOfFigures() {
        double digits = PROMPTS.stream().mapToLong(p -> p.chars().filter(Character::isDigit).count()).average()
                .orElse(0);
        assertThat(digits).as("digits per prompt").isGreaterThan(15);
        assertThat(PROMPTS).allMatch(p -> p.chars().anyMatch(Character::isDigit));
        assertThat(PROMPTS).anyMatch(p -> p.matches("(?s).*\\d{4}-\\d{2}-\\d{2} to \\d{4}-\\d{2}-\\d{2}.*"));
        assertThat(PROMPTS).anyMatch(p -> p.contains("|---|"));
        assertThat(PROMPTS).anyMatch(p -> p.contains("```"));
        assertThat(PROMPTS).anyMatch(p -> p.matches("(?s).*\\b\\d{12}\\b.*")); // a CNAPS code
    }

    /** Checked with the independent checks, not the generators': nothing here is a customer identifier. */
    @Test
    void promptsHoldNoCustomerIdentifier() {
        Pattern digitRun = Pattern.compile("\\d+");
        Pattern token = Pattern.compile("[0-9A-Za-z]{9,}");
        for (String prompt : PROMPTS) {
            assertThat(prompt).doesNotContain("@");
            Matcher run = digitRun.matcher(prompt);
            while (run.find()) {
                String digits = run.group();
                assertThat(digits.matches("1[3-9]\\d{9}")).as("a mobile in %s", prompt).isFalse();
                assertThat(Identifiers.card(digits)).as("a card in %s", prompt).isFalse();
                assertThat(digits.length()).as("a long number in %s", prompt).isLessThanOrEqualTo(12);
            }
            Matcher t = token.matcher(prompt);
            while (t.find()) {
                String value = t.group().toUpperCase(java.util.Locale.ROOT);
                assertThat(Identifiers.residentId(value) || Identifiers.uscc(value)
                        || value.matches("[EG]\\d{8}")).as("an identifier in %s", prompt).isFalse();
            }
            // Mobiles written with separators, which a digit-run check cannot see.
            assertThat(prompt).doesNotContainPattern("(?<!\\d)1[3-9]\\d[ -]\\d{4}[ -]\\d{4}(?!\\d)");
        }
    }

    @Test
    void docParagraphsSplitReadmeAndDocsOnBlankLines(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve("README.md"), "# Title\n\nFirst paragraph\nwraps.\n\n\n  \nSecond.\n");
        Files.createDirectories(root.resolve("docs/sub"));
        Files.writeString(root.resolve("docs/a.md"), "A one.\r\n\r\nA two.");
        Files.writeString(root.resolve("docs/sub/b.md"), "B one.\n");
        Files.writeString(root.resolve("docs/notes.txt"), "not markdown");
        assertThat(BankingPrompts.docParagraphs(root)).containsExactly("# Title", "First paragraph\nwraps.",
                "Second.", "A one.", "A two.", "B one.");
    }

    @Test
    void docParagraphsReadTheProjectsOwnDocs() {
        List<String> paragraphs = BankingPrompts.docParagraphs(Path.of(".."));
        assertThat(paragraphs).hasSizeGreaterThan(100);
        assertThat(paragraphs).noneMatch(p -> p.isBlank() || p.contains("\n\n"));
        assertThat(paragraphs.get(0)).startsWith("#");
    }
}
