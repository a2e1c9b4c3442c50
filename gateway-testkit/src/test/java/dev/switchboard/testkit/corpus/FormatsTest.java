package dev.switchboard.testkit.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FormatsTest {
    private static final String ID = "11010519491231002X";
    private final SplittableRandom rng = new SplittableRandom(1);

    private String render(String format, String kind, String value) {
        return Formats.render(format, kind, value, rng);
    }

    @Test
    void residentIdsAreGroupedTheWayPeopleWriteThem() {
        assertThat(render(Formats.DASHES, "cn-resident-id", ID)).isEqualTo("110105-19491231-002X");
        assertThat(render(Formats.SPACES, "cn-resident-id", ID)).isEqualTo("110105 19491231 002X");
        assertThat(render(Formats.ID_FOURS, "cn-resident-id", ID)).isEqualTo("1101 0519 4912 3100 2X");
        assertThat(render(Formats.LOWER_CASE, "cn-resident-id", ID)).isEqualTo("11010519491231002x");
        assertThat(render(Formats.FULLWIDTH, "cn-resident-id", ID)).isEqualTo("１１０１０５１９４９１２３１００２Ｘ");
    }

    @Test
    void cardsMobilesAndAccountsHaveTheirOwnGroups() {
        assertThat(render(Formats.SPACES, "bank-card", "6222021234567894")).isEqualTo("6222 0212 3456 7894");
        assertThat(render(Formats.SPACES, "bank-card", "6222021234567894123")).isEqualTo("6222 0212 3456 7894 123");
        assertThat(render(Formats.SPACES, "bank-card", "378282246310005")).isEqualTo("3782 822463 10005");
        assertThat(render(Formats.SPACES, "cn-mobile", "13812345678")).isEqualTo("138 1234 5678");
        assertThat(render(Formats.DOTS, "cn-mobile", "13812345678")).isEqualTo("138.1234.5678");
        assertThat(render(Formats.NBSP, "cn-mobile", "13812345678")).isEqualTo("138\u00A01234\u00A05678");
        assertThat(render(Formats.ZWSP_GROUPS, "cn-mobile", "13812345678")).isEqualTo("138\u200B1234\u200B5678");
        assertThat(render(Formats.ZWSP_DIGITS, "cn-mobile", "13812345678"))
                .isEqualTo("1\u200B3\u200B8\u200B1\u200B2\u200B3\u200B4\u200B5\u200B6\u200B7\u200B8");
        assertThat(render(Formats.NEWLINES, "bank-account", "622202123456")).isEqualTo("6222\n0212\n3456");
        assertThat(render(Formats.COUNTRY_CODE, "cn-mobile", "13812345678")).isEqualTo("8613812345678");
        assertThat(render(Formats.COUNTRY_CODE_PLUS, "cn-mobile", "13812345678")).isEqualTo("+86 13812345678");
    }

    @Test
    void otherScriptsKeepEveryDigit() {
        assertThat(render(Formats.ARABIC_INDIC, "cn-mobile", "13812345678")).isEqualTo("١٣٨١٢٣٤٥٦٧٨");
        assertThat(render(Formats.DEVANAGARI, "cn-mobile", "13812345678")).isEqualTo("१३८१२३४५६७८");
    }

    @Test
    void mixedSeparatorsAreReallyMixed() {
        for (int i = 0; i < 200; i++) {
            String mixed = render(Formats.MIXED, "cn-mobile", "13812345678");
            Set<Character> separators = new HashSet<>();
            mixed.chars().filter(c -> !Character.isDigit(c)).forEach(c -> separators.add((char) c));
            assertThat(separators).as(mixed).hasSizeGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void lettersOnlyChangeCaseAndAddressesStayPlainOrUpperCase() {
        assertThat(Formats.applicable("email", "ZHANG.WEI@ICBC.COM.CN")).containsExactly(Formats.PLAIN,
                Formats.UPPER_CASE);
        assertThat(render(Formats.PLAIN, "email", "ZHANG.WEI@ICBC.COM.CN")).isEqualTo("zhang.wei@icbc.com.cn");
        assertThat(Formats.applicable("cn-passport", "E12345678")).containsExactly(Formats.PLAIN, Formats.LOWER_CASE);
        assertThat(Formats.applicable("uscc", "91350100M000100Y43")).containsExactly(Formats.PLAIN,
                Formats.LOWER_CASE);
        assertThat(Formats.applicable("cn-resident-id", "110105194912310021")).doesNotContain(Formats.LOWER_CASE);
        assertThatThrownBy(() -> render(Formats.FULLWIDTH, "email", "A@B.CN"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyApplicableFormatDecodesBackToTheCanonicalValue() {
        SplittableRandom values = new SplittableRandom(2);
        for (int i = 0; i < 3_000; i++) {
            String kind = SensitiveValues.KINDS.get(i % SensitiveValues.KINDS.size());
            String canonical = SensitiveValues.generate(kind, values);
            for (String format : Formats.applicable(kind, canonical)) {
                String rendered = render(format, kind, canonical);
                assertThat(Identifiers.decode(kind, rendered)).as("%s %s", format, rendered).isEqualTo(canonical);
            }
        }
    }

    @Test
    void everyFormatAppliesSomewhere() {
        Set<String> seen = new HashSet<>();
        SplittableRandom values = new SplittableRandom(4);
        for (int i = 0; i < 700; i++) {
            String kind = SensitiveValues.KINDS.get(i % SensitiveValues.KINDS.size());
            seen.addAll(Formats.applicable(kind, SensitiveValues.generate(kind, values)));
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(Formats.ALL);
    }
}
