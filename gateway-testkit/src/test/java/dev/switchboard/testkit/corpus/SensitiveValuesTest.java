package dev.switchboard.testkit.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SensitiveValuesTest {

    @Test
    void theIndependentChecksAcceptPublishedExamplesAndRejectNearMisses() {
        assertThat(Identifiers.uscc("91350100M000100Y43")).isTrue();
        assertThat(Identifiers.uscc("91350100M000100Y44")).isFalse();
        assertThat(Identifiers.residentId("11010519491231002X")).isTrue();
        assertThat(Identifiers.residentId("110105194912310021")).isFalse();
        assertThat(Identifiers.residentId("110105194902300021")).isFalse(); // 30 February
        assertThat(Identifiers.luhn("4111111111111111")).isTrue();
        assertThat(Identifiers.luhn("4111111111111112")).isFalse();
        assertThat(Identifiers.card("6222021234567894")).isTrue();
        assertThat(Identifiers.card("6222021234567895")).isFalse(); // Luhn-invalid
        assertThat(Identifiers.card("341234567890123")).isFalse(); // Amex prefix, not Luhn-valid
    }

    @Test
    void checksumsAgreeWithTheIndependentChecks() {
        assertThat(Checksums.usccCheck("91350100M000100Y4")).isEqualTo('3');
        assertThat(Checksums.residentIdCheck("11010519491231002")).isEqualTo('X');
        assertThat(Checksums.luhnCheckDigit("411111111111111")).isEqualTo('1');
        assertThat(Checksums.luhnValid("4111111111111111")).isTrue();
        assertThat(Checksums.hasCardPrefix("6222020000000000")).isTrue();
        assertThat(Checksums.hasCardPrefix("1234567890123456")).isFalse();
    }

    @Test
    void everyKindGeneratesValidValues() {
        SplittableRandom rng = new SplittableRandom(11);
        for (String kind : SensitiveValues.KINDS) {
            for (int i = 0; i < 5_000; i++) {
                String value = SensitiveValues.generate(kind, rng);
                assertThat(Identifiers.valid(kind, value)).as("%s %s", kind, value).isTrue();
            }
        }
    }

    @Test
    void cardsCoverEveryNetworkAndLength() {
        SplittableRandom rng = new SplittableRandom(3);
        List<String> cards = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            cards.add(SensitiveValues.bankCard(rng));
        }
        assertThat(cards.stream().filter(c -> c.startsWith("62")).count()).isGreaterThan(2_500); // UnionPay most
        assertThat(cards).anyMatch(c -> c.startsWith("4"));
        assertThat(cards).anyMatch(c -> c.matches("5[1-5].*"));
        assertThat(cards).anyMatch(c -> c.matches("2[2-7]\\d\\d.*") && c.length() == 16);
        assertThat(cards).anyMatch(c -> c.matches("3[47].*") && c.length() == 15);
        assertThat(cards).anyMatch(c -> c.matches("35(2[89]|[3-8]\\d).*"));
        assertThat(cards.stream().map(String::length).distinct()).contains(15, 16, 17, 18, 19);
    }

    @Test
    void aboutOneResidentIdInElevenEndsInX() {
        SplittableRandom rng = new SplittableRandom(5);
        int x = 0;
        int total = 22_000;
        for (int i = 0; i < total; i++) {
            x += SensitiveValues.residentId(rng).endsWith("X") ? 1 : 0;
        }
        assertThat(x / (double) total).isBetween(0.07, 0.115);
    }

    @Test
    void usccCodesUseEveryRegisteringAuthority() {
        SplittableRandom rng = new SplittableRandom(8);
        List<String> codes = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            codes.add(SensitiveValues.uscc(rng));
        }
        assertThat(codes.stream().map(c -> c.substring(0, 1)).distinct()).contains("1", "5", "9", "Y");
        assertThat(codes).anyMatch(c -> c.substring(8, 17).matches(".*[A-Z].*"));
    }

    @Test
    void accountsAreNeitherCardsNorMobiles() {
        SplittableRandom rng = new SplittableRandom(13);
        for (int i = 0; i < 20_000; i++) {
            String account = SensitiveValues.bankAccount(rng);
            assertThat(account.length()).isBetween(12, 22);
            assertThat(Checksums.hasCardPrefix(account) && Identifiers.luhn(account)).as(account).isFalse();
        }
        assertThat(SensitiveValues.ACCOUNT_KEYWORDS).containsExactly("账号：", "账户 ", "account no. ",
                "Account number: ", "acct no ");
    }

    @Test
    void theSameSeedGivesTheSameValues() {
        for (String kind : SensitiveValues.KINDS) {
            assertThat(SensitiveValues.generate(kind, new SplittableRandom(99)))
                    .isEqualTo(SensitiveValues.generate(kind, new SplittableRandom(99)));
        }
    }

    @Test
    void plantGivesARenderingThatDecodesToTheValue() {
        SplittableRandom rng = new SplittableRandom(21);
        for (int i = 0; i < 2_000; i++) {
            String kind = SensitiveValues.KINDS.get(i % SensitiveValues.KINDS.size());
            Planted p = SensitiveValues.plant(kind, rng);
            assertThat(p.kind()).isEqualTo(kind);
            assertThat(Identifiers.decode(kind, p.rendered())).as(p.toString()).isEqualTo(p.canonical());
            assertThat(Formats.applicable(kind, p.canonical())).contains(p.format());
        }
    }
}
