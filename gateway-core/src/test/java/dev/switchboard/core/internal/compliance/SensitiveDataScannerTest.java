package dev.switchboard.core.internal.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.CustomPattern;
import dev.switchboard.core.compliance.Detectors;
import dev.switchboard.core.compliance.Finding;
import dev.switchboard.core.compliance.KeywordList;
import dev.switchboard.core.config.ComplianceSpec;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** True and false positives, table-driven. */
class SensitiveDataScannerTest {
    private final SensitiveDataScanner scanner = new SensitiveDataScanner(Detectors.BUILT_IN,
            List.of(new CustomPattern("employee-id", Pattern.compile("EMP\\d{6}"))),
            List.of(new KeywordList("project", List.of("Falcon"))));

    static Stream<Arguments> cases() {
        return Stream.of(
                // PRC resident ID: check digit and birth date must hold.
                Arguments.of("身份证号 11010519491231002X 请核实", "cn-resident-id"),
                Arguments.of("id 11010519491231002x.", "cn-resident-id"),
                Arguments.of("440306199003071232", "cn-resident-id"),
                Arguments.of("440306199003071233", null),                 // wrong check digit
                Arguments.of("310115200102291232", null),                 // 2001-02-29 does not exist
                Arguments.of("99440306199003071232", null),               // inside a longer number
                Arguments.of("４４０３０６１９９００３０７１２３２", "cn-resident-id"), // full-width digits
                // Bank cards: Luhn, 13-19 digits, a card network's first digit.
                Arguments.of("card 6222021234567894 ok", "bank-card"),
                Arguments.of("card 6222 0212 3456 7894", "bank-card"),
                Arguments.of("card 6222-0212-3456-7894", "bank-card"),
                Arguments.of("4111111111111111", "bank-card"),
                Arguments.of("6222021234567895", null),                   // fails Luhn
                Arguments.of("order 96222021234567894", null),            // 17 digits starting with 9
                Arguments.of("8222021234567891", null),                   // no card network starts with 8
                Arguments.of("６２２２０２１２３４５６７８９４", "bank-card"),
                // Mainland mobile numbers.
                Arguments.of("call 13800138000 today", "cn-mobile"),
                Arguments.of("+86 138 0013 8000", "cn-mobile"),
                Arguments.of("8613800138000", "cn-mobile"),
                Arguments.of("138-0013-8000", "cn-mobile"),
                Arguments.of("１３８００１３８０００", "cn-mobile"),
                Arguments.of("12345678901", null),                        // second digit 2
                Arguments.of("913800138000", null),                       // twelve digits
                Arguments.of("ref 1380013800099", null),                  // part of a longer number
                // E-mail.
                Arguments.of("write to zhang.san@example.com.cn please", "email"),
                Arguments.of("not an email: a@b", null),
                Arguments.of("discount 50%40 off, @all", null),              // a percent sign before 40
                Arguments.of("AT&T and R&D 2024: 100% &amp; 50%", null),    // ampersands and percents in prose
                Arguments.of("total 6,222,021,234,567,894 CNY", null),      // thousands separators: an amount
                Arguments.of("years 2021,2022,2023,2024; 1+1=2", null),    // a list, a sum
                Arguments.of("schedule(130000, 0.0435, 360);", null),      // arguments: a list, not one number
                Arguments.of("二〇二四年三月，一位客户在第一季度存了壹万零伍佰元，两个账户统一管理。", null), // numerals in prose
                Arguments.of("&#x110000; &#0; &#; %zz %8F%41", null),       // no reference, no ASCII byte
                Arguments.of("{\"accounting_period\":\"20261130\"}", null),      // no account keyword, a date
                Arguments.of("{\"accountNumberCount\": 12, \"batch\": 123456789}", null), // a number after another
                Arguments.of("请@张三。谢谢", null),                          // a mention, then a sentence's end
                Arguments.of("cc wang@公司。谢谢", null),                     // Chinese prose is no domain
                Arguments.of("wang@example。谢谢", null),                     // nor after an ideographic full stop
                // Custom pattern and keyword.
                Arguments.of("employee EMP123456 asked", "employee-id"),
                Arguments.of("the falcon project", "project"),
                // Plain text and ordinary numbers.
                Arguments.of("The quarter closed at 1,234,567.89 CNY on 2026-11-30.", null),
                Arguments.of("invoice 20261130 line 12", null));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("cases")
    void detects(String text, String expectedKind) {
        List<Finding> found = scanner.scan(text);
        if (expectedKind == null) {
            assertThat(found).isEmpty();
        } else {
            assertThat(found).extracting(Finding::kind).containsExactly(expectedKind);
        }
    }

    @Test
    void findsSeveralAndReportsWhereTheyAre() {
        String text = "ID 440306199003071232, phone 13800138000, mail a.b@bank.cn";
        List<Finding> found = scanner.scan(text);
        assertThat(found).extracting(Finding::kind).containsExactly("cn-resident-id", "cn-mobile", "email");
        assertThat(text.substring(found.get(1).start(), found.get(1).end())).isEqualTo("13800138000");
    }

    @Test
    void aDetectorThatFailsCountsAsSensitive() throws Exception {
        SensitiveDataScanner fragile = new SensitiveDataScanner(java.util.Set.of(),
                List.of(new CustomPattern("deep", Pattern.compile("(a|b)*c"))), List.of());
        com.fasterxml.jackson.databind.JsonNode request = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(200_000) + "\"}]}");
        Assessment a = new RequestScanner(fragile, ComplianceSpec.Media.ALLOW).assess(request);
        assertThat(a.sensitive()).isTrue();
        assertThat(a.kinds()).containsExactly(Assessment.DETECTOR_ERROR);
    }

    @Test
    void maskingIsTypedAndConsistent() {
        Masking masking = new Masking();
        String text = "ID 440306199003071232 and again 440306199003071232, card 6222021234567894";
        String masked = masking.apply(text, scanner.scan(text));
        assertThat(masked).isEqualTo("ID [ID_CARD_1] and again [ID_CARD_1], card [BANK_CARD_1]");
        assertThat(masking.restore("Customer [ID_CARD_1] uses [BANK_CARD_1].")).isEqualTo(
                "Customer 440306199003071232 uses 6222021234567894.");
    }

    @Test
    void restoresPlaceholdersSplitAcrossChunks() {
        Masking masking = new Masking();
        masking.apply("13800138000", scanner.scan("13800138000"));
        PlaceholderRestorer restorer = new PlaceholderRestorer(masking);
        String a = restorer.restoreChunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Call [MOB\"}}]}");
        String b = restorer.restoreChunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ILE_1] now [BANK\"}}]}");
        String c = restorer.restoreChunk("{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}");
        assertThat(a).contains("\"content\":\"Call \"");
        assertThat(b).contains("\"content\":\"13800138000 now \"");
        assertThat(c).contains("\"content\":\"[BANK\"");
        assertThat(restorer.remainder()).isNull();
    }
}
