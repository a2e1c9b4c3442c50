package dev.switchboard.core.internal.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.compliance.Assessment;
import dev.switchboard.core.compliance.CustomPattern;
import dev.switchboard.core.compliance.Detectors;
import dev.switchboard.core.compliance.Finding;
import dev.switchboard.core.config.ComplianceSpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The forms customer data takes in real prompts: separators, scripts, parts, and the new kinds. */
class FormatsTest {
    private final SensitiveDataScanner scanner = SensitiveDataScanner.builtIn();

    static Stream<Arguments> found() {
        return Stream.of(
                // Resident IDs grouped every way a person writes them; the X in either case.
                Arguments.of("ID 110105-19491231-002X", "cn-resident-id"),
                Arguments.of("ID 110105 19491231 002X", "cn-resident-id"),
                Arguments.of("ID 1101 0519 4912 3100 2X", "cn-resident-id"),
                Arguments.of("ID 1101 0519 4912 3100 2x.", "cn-resident-id"),
                Arguments.of("证件 110105/19491231/002X", "cn-resident-id"),
                Arguments.of("ID 11010519491231002Ｘ", "cn-resident-id"),
                // Cards: dots, double spaces, line breaks, no-break and zero-width spaces, other scripts.
                Arguments.of("card 6222.0212.3456.7894", "bank-card"),
                Arguments.of("card 6222  0212  3456  7894", "bank-card"),
                Arguments.of("card 6222\n0212\n3456\n7894", "bank-card"),
                Arguments.of("card 6222\u00A00212\u00A03456\u00A07894", "bank-card"),
                Arguments.of("card 6222\u200B0212\u200B3456\u200B7894", "bank-card"),
                Arguments.of("card 6\u200B2\u200B2\u200B2\u200B0\u200B2\u200B1\u200B2\u200B3\u200B4\u200B5\u200B6"
                        + "\u200B7\u200B8\u200B9\u200B4", "bank-card"),
                Arguments.of("card 6222_0212_3456_7894", "bank-card"),
                Arguments.of("card 6222 - 0212 - 3456 - 7894", "bank-card"),
                Arguments.of("card ٦٢٢٢٠٢١٢٣٤٥٦٧٨٩٤", "bank-card"),
                Arguments.of("card ۶۲۲۲۰۲۱۲۳۴۵۶۷۸۹۴", "bank-card"),
                Arguments.of("card ६२२२ ०२१२ ३४५६ ७८९४", "bank-card"),
                Arguments.of("card ６２２２－０２１２－３４５６－７８９４", "bank-card"),
                Arguments.of("card 6222\u20130212\u20133456\u20137894", "bank-card"),
                Arguments.of("card \uD835\uDFD4\uD835\uDFD0\uD835\uDFD0\uD835\uDFD0\uD835\uDFCE\uD835\uDFD0\uD835\uDFCF"
                        + "\uD835\uDFD0\uD835\uDFD1\uD835\uDFD2\uD835\uDFD3\uD835\uDFD4\uD835\uDFD5\uD835\uDFD6"
                        + "\uD835\uDFD7\uD835\uDFD2", "bank-card"), // mathematical bold digits
                // Mobiles.
                Arguments.of("call 138\u00A00013\u00A08000", "cn-mobile"),
                Arguments.of("call 138.0013.8000", "cn-mobile"),
                Arguments.of("call 0086 138 0013 8000", "cn-mobile"),
                Arguments.of("电话：１３８ ００１３ ８０００", "cn-mobile"),
                // Passports, credit codes, accounts next to a keyword.
                Arguments.of("passport E12345678 expires", "cn-passport"),
                Arguments.of("护照号码：G12345678", "cn-passport"),
                Arguments.of("护照号码：E 1234 5678", "cn-passport"),
                Arguments.of("passport no. 141234567", "cn-passport"),
                Arguments.of("统一社会信用代码 91350100M000100Y43", "cn-credit-code"),
                Arguments.of("USCC: 91310115ma1k4pxx5a", "cn-credit-code"),
                Arguments.of("账号：1234 5678 9012 345", "bank-account"),
                Arguments.of("Account number: 0200004509102836512", "bank-account"),
                Arguments.of("acct no 12345678", "bank-account"),
                // A value in two parts, words between.
                Arguments.of("Card starts 62220212\nand ends 34567894", "bank-card"),
                // Invisible and control characters inside, a unit glued after.
                Arguments.of("card 6\uFE0F2\uFE0F2\uFE0F2\uFE0F0212\u034F3456\u00857894", "bank-card"),
                Arguments.of("card 6222\u00010212\u001F3456\u007F7894", "bank-card"),
                Arguments.of("card 6222021234567894CNY", "bank-card"),
                Arguments.of("card 6222 0212 3456 7894CNY", "bank-card"),
                Arguments.of("args {\\\"card\\\":\\\"6222\\n0212\\u00a03456\\u200b7894\\\"}", "bank-card"),
                Arguments.of("args {\\\"card\\\":\\\"\\ud835\\udfd4\\ud835\\udfd0\\ud835\\udfd0\\ud835\\udfd0"
                        + "021234567894\\\"}", "bank-card"),
                Arguments.of("身份证前半 110105194912，后半是 31002X", "cn-resident-id"),
                // An ID's last four characters, three digits and its X, as a part.
                Arguments.of("身份证号前14位是11010519491231，后四位是002X", "cn-resident-id"),
                Arguments.of("ID ends 002X; it starts 11010519491231", "cn-resident-id"),
                // The parts the other way round.
                Arguments.of("Card ending 7894, the rest is 622202123456", "bank-card"),
                Arguments.of("身份证后五位 1002X，前面是 1101051949123", "cn-resident-id"),
                // Accounts under the keys of JSON and code: a tool's result, a function's arguments.
                Arguments.of("{\"account_number\":\"110060576018001234567\"}", "bank-account"),
                Arguments.of("{\"accountNo\": \"110060576018001234567\", \"status\": \"ok\"}", "bank-account"),
                Arguments.of("ACCOUNT-NUMBER=110060576018001234567", "bank-account"),
                Arguments.of("bank_account: 110060576018001234567", "bank-account"),
                Arguments.of("{\"acct_no\":110060576018001234567}", "bank-account"),
                Arguments.of("{\"accountId\":\"110060576018001234567\"}", "bank-account"),
                // Letters drawn like digits, between digits.
                Arguments.of("card 622202I234567894", "bank-card"),
                Arguments.of("card 6222 O212 3456 7894", "bank-card"),
                Arguments.of("call 138 OO13 8OO0", "cn-mobile"),
                // Groups written with a comma or a plus alone between them.
                Arguments.of("card 6222,0212,3456,7894", "bank-card"),
                Arguments.of("q=6222+0212+3456+7894", "bank-card"),
                Arguments.of("ID 110105,19491231,002X", "cn-resident-id"),
                Arguments.of("call 138,0013,8000", "cn-mobile"),
                // Spelled in Chinese numerals, plain or financial, or mixed with digits.
                Arguments.of("卡号是六二二二零二一二三四五六七八九四", "bank-card"),
                Arguments.of("手机 幺三八 零零幺三 八零零零", "cn-mobile"),
                Arguments.of("陆贰贰贰 零贰壹贰 叁肆伍陆 柒捌玖肆", "bank-card"),
                Arguments.of("身份证 一一〇一〇五一九四九一二三一〇〇二X", "cn-resident-id"),
                Arguments.of("card 6222 零二一二 3456 七八九四", "bank-card"),
                Arguments.of("卡号 六 二 二 二 零 二 一 二 三 四 五 六 七 八 九 四", "bank-card"),
                Arguments.of("卡号 六\u200B二\u200B二\u200B二\u200B零二一二三四五六七八九四", "bank-card"),
                // Spelled in English digit words, any case, spaced, hyphenated, glued, with commas, mixed with digits.
                Arguments.of("my card is six two two two zero two one two three four five six seven eight nine four",
                        "bank-card"),
                Arguments.of("Card: Six-Two-Two-Two Zero-Two-One-Two Three-Four-Five-Six Seven-Eight-Nine-Four",
                        "bank-card"),
                Arguments.of("call one three eight oh oh one three eight oh oh oh", "cn-mobile"),
                Arguments.of("call ONE THREE EIGHT, ZERO ZERO ONE THREE, EIGHT ZERO ZERO ZERO", "cn-mobile"),
                Arguments.of("card sixtwotwotwo zerotwoonetwo threefourfivesix seveneightninefour", "bank-card"),
                Arguments.of("card 6222 zero two one two 3456 7894", "bank-card"),
                Arguments.of("card 6222 0212 3456 789four", "bank-card"),
                Arguments.of("ID one one zero one zero five one nine four nine one two three one zero zero two X",
                        "cn-resident-id"),
                Arguments.of("Card starts six two two two zero two one two, ends 34567894", "bank-card"),
                Arguments.of("card six\u200Btwo\u200Btwo\u200Btwo zero\u00ADtwo\u00ADone\u00ADtwo three four five six "
                        + "seven eight nine four", "bank-card"),
                Arguments.of("card \uFF53\uFF49\uFF58 \uFF54\uFF57\uFF4F two two zero two one two three four five six "
                        + "seven eight nine four", "bank-card"),
                Arguments.of("args {\\\"card\\\":\\\"six two two two\\nzero two one two\\nthree four five six\\n"
                        + "seven eight nine four\\\"}", "bank-card"),
                Arguments.of("q=six%20two%20two%20two%20zero%20two%20one%20two%20three%20four%20five%20six%20seven"
                        + "%20eight%20nine%20four", "bank-card"),
                // Inside base64: a document, a JWT's payload, a Basic credential, base64 in base64, MIME lines.
                Arguments.of("Decode this: Q3VzdG9tZXIgY2FyZCA2MjIyIDAyMTIgMzQ1NiA3ODk0LCBwbGVhc2UgcmVmdW5k",
                        "bank-card"),
                Arguments.of("token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1NDIiLCJtb2JpbGUiOiIxMzgwMDEzODAwMCJ9"
                        + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "cn-mobile"),
                Arguments.of("Authorization: Basic YWRtaW46MTM4MDAxMzgwMDA=", "cn-mobile"),
                Arguments.of("WTJGeVpDQTJNakl5TURJeE1qTTBOVFkzT0RrMA==", "bank-card"),
                Arguments.of("phone MTM4MDAxMzgwMDA=", "cn-mobile"),
                Arguments.of("https://files.example.com/share/Y2FyZCA2MjIyMDIxMjM0NTY3ODk0IGZvciB0aGUgcmVmdW5k",
                        "bank-card"),
                Arguments.of("token_bW9iaWxlIDEzODAwMTM4MDAwIG9r", "cn-mobile"),
                // Base64 written with escapes: MIME lines inside a tool's JSON arguments, a URL's percent-encoding.
                Arguments.of("{\"file\": \"RGVhciBjdXN0b21lciwgcGxlYXNlIGZpbmQgdGhlIHN0YXRlbWVudCBiZWxvdy4gICBjYXJkIDYy"
                        + "\\nMjIgMDIxMiAzNDU2IDc4OTQgaXMgYXR0YWNoZWQu\\n\"}", "bank-card"),
                Arguments.of("state=Y2FyZCA2MjIyMDIxMjM0NTY3ODk0IG9rPz8%2BPg%3D%3D", "bank-card"),
                Arguments.of("{\"t\":\"Y2FyZCA2MjIyMDIxMjM0NTY3ODk0IG9rPz8\\/\"}", "bank-card"),
                Arguments.of("id-Y2FyZCA2MjIyMDIxMjM0NTY3ODk0IGZvciB0aGUgcmVmdW5k", "bank-card"),
                Arguments.of("Y2FyZCA2MjIyMDIxMjM0NTY3ODk0\nThanks for your help", "bank-card"),
                Arguments.of("log G1szMW1FUlJPUhtbMG0gY2FyZCA2MjIyMDIxMjM0NTY3ODk0AA==", "bank-card"),
                Arguments.of("powershell -EncodedCommand RwBlAHQALQBBAGMAYwBvAHUAbgB0ACAALQBDAGEAcgBkACAANgAyADIAMgAwADIAMQA"
                        + "yADMANAA1ADYANwA4ADkANAA=", "bank-card"),
                Arguments.of("phone MTM4MDAxMzgwMDA, thanks", "cn-mobile"),
                Arguments.of("pp RTEyMzQ1Njc4", "cn-passport"),
                Arguments.of("att: RGVhciBjdXN0b21lciwgdGhlIHN0YXRlbWVudCBmb3IgY2FyZCA2MjIyIDAyMTIgMzQ1NiA3ODk0\n"
                        + "IGlzIGF0dGFjaGVkLiBEZWFyIGN1c3RvbWVyLCB0aGUgc3RhdGVtZW50IGZvciBjYXJkIDYyMjIg\n"
                        + "MDIxMiAzNDU2IDc4OTQgaXMgYXR0YWNoZWQuIA==\n", "bank-card"),
                Arguments.of("6Lqr5Lu96K+BIDExMDEwNTE5NDkxMjMxMDAyWCDlt7LmoLjlrp4=", "cn-resident-id"),
                // Percent-encoded as in a URL, HTML character references as in a page or a template.
                Arguments.of("GET /cards/6222%200212%203456%207894 HTTP/1.1", "bank-card"),
                Arguments.of("q=%36%32%32%32%30%32%31%32%33%34%35%36%37%38%39%34", "bank-card"),
                Arguments.of("<td>&#54;&#50;&#50;&#50;&#48;&#50;&#49;&#50;&#51;&#52;&#53;&#54;&#55;&#56;&#57;&#52;</td>",
                        "bank-card"),
                Arguments.of("<td>6222&nbsp;0212&#x20;3456&#32;7894</td>", "bank-card"),
                Arguments.of("mail zhang.san&commat;example.com", "email"),
                Arguments.of("mail zhang.san&#64;example.com", "email"),
                // E-mail addresses as logs, Chinese keyboards and other scripts write them.
                Arguments.of("GET /users?email=zhang.san%40example.com returned 404", "email"),
                Arguments.of("邮箱 zhangsan@qq。com", "email"),
                Arguments.of("邮箱 zhangsan\uFE6Bqq.com，谢谢", "email"),
                Arguments.of("mail hans@bücher.de today", "email"),
                Arguments.of("почта ivan@пример.рф", "email"),
                Arguments.of("联系zhangsan@qq.com联系我", "email"),
                Arguments.of("备注：邮件地址 xiuying_xu21@ccb.com。E-mails the monthly statement.", "email"),
                Arguments.of("mail wang.tao@yeah.net.Thanks", "email"),
                Arguments.of("somchai@gmail.comโทร", "email"),
                // A Chinese word after a number, a percent sign or a letter before or after it, slashes with spaces.
                Arguments.of("手机13800138000一直打不通", "cn-mobile"),
                Arguments.of("银行卡6222021234567894一直在用", "bank-card"),
                Arguments.of("card %6222021234567894", "bank-card"),
                Arguments.of("call %13800138000", "cn-mobile"),
                Arguments.of("call 13800138000o", "cn-mobile"),
                Arguments.of("card I6222021234567894", "bank-card"),
                Arguments.of("card 6222 / 0212 / 3456 / 7894", "bank-card"),
                Arguments.of("ID 110105 / 19491231 / 002X", "cn-resident-id"),
                Arguments.of("card 6222 O\u200B212 3456 7894", "bank-card"),
                Arguments.of("card 622202I\uFF1234567894", "bank-card"),
                // An escaped NUL inside a tool call's arguments is a client's char, not the end of a text.
                Arguments.of("args {\\\"card\\\":\\\"62220212\\u000034567894\\\"}", "bank-card"),
                // A letter X glued after a number that is no resident ID (too few digits before it) is read past.
                Arguments.of("Why was card 6222021234567894X declined?", "bank-card"),
                Arguments.of("Why was card 6222 0212 3456 7894x declined?", "bank-card"),
                Arguments.of("Call 13800138000x.", "cn-mobile"),
                // The check letter drawn with another script's X, or the multiplication sign.
                Arguments.of("ID 11010519491231002\u0425", "cn-resident-id"),
                Arguments.of("ID 110105 19491231 002\u03C7", "cn-resident-id"),
                Arguments.of("ID 11010519491231002\u00D7", "cn-resident-id"),
                // Digits in other forms, marks drawn on them, tag characters a model can read.
                Arguments.of("card \u2076\u00B2\u00B2\u00B2\u2070\u00B2\u00B9\u00B2\u00B3\u2074\u2075\u2076"
                        + "\u2077\u2078\u2079\u2074", "bank-card"), // superscript
                Arguments.of("card \u2086\u2082\u2082\u2082\u2080\u2082\u2081\u2082\u2083\u2084\u2085\u2086"
                        + "\u2087\u2088\u2089\u2084", "bank-card"), // subscript
                Arguments.of("card \u2465\u2461\u2461\u2461\u24EA\u2461\u2460\u2461\u2462\u2463\u2464\u2465"
                        + "\u2466\u2467\u2468\u2463", "bank-card"), // circled
                Arguments.of("card \u277B\u2777\u2777\u2777 \u24FF\u2777\u2776\u2777 \u2476\u2477\u2478\u2479 7894",
                        "bank-card"), // negative circled, parenthesised
                Arguments.of("card 6\uFE0F\u20E32\uFE0F\u20E32\uFE0F\u20E32\uFE0F\u20E3021234567894",
                        "bank-card"), // keycaps
                Arguments.of("card 6\u03362\u03362\u03362\u03360\u03362\u03361\u03362\u03363\u03364\u0336"
                        + "5\u03366\u03367\u03368\u03369\u03364\u0336", "bank-card"), // struck through
                Arguments.of("card 6222\u180B0212\u180C3456\u180D7894", "bank-card"),
                Arguments.of("ok \uDB40\uDC36\uDB40\uDC32\uDB40\uDC32\uDB40\uDC32\uDB40\uDC30\uDB40\uDC32"
                        + "\uDB40\uDC31\uDB40\uDC32\uDB40\uDC33\uDB40\uDC34\uDB40\uDC35\uDB40\uDC36"
                        + "\uDB40\uDC37\uDB40\uDC38\uDB40\uDC39\uDB40\uDC34", "bank-card")); // tag characters
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("found")
    void finds(String text, String kind) {
        assertThat(scanner.scan(text)).extracting(Finding::kind).containsExactly(kind);
    }

    static Stream<String> ordinary() {
        return Stream.of(
                "The quarter closed at 1,234,567.89 CNY on 2026-11-30.",
                "invoice 20261130 line 12",
                "Period 2024-01-15 to 2024-02-15, then 2026-01-01 to 2026-03-31.",
                "Per GB/T 35273-2020 and JR/T 0171-2020, section 5.4.2.",
                "Call ext. 8021 between 09:30-17:00, postcode 100032.",
                "SWIFT ICBKCNBJ, branch 0200, loan 5,000,000.00 at 3.45% for 36 months.",
                "Version 1.2.3.4 of build 2026.11.30.1542",
                "Amounts: 412,345.67 and 5,123.45 and 98,765.43 CNY.",
                "Steps 1 2 3 4 5 6 7 8 9 10",
                "ISO 20022 pacs.008, MT103 field 32A: 261130CNY1250000,00",
                "Policy P2026-001234, claim C-7788, table row 2026/11/30 12:00",
                "账户余额 1,234.56 元，2026年11月30日",
                "Passport office hours 9-17; passports take 10 working days.",
                "交易金额 7,956,346.48 元，时间 2024-12-29 08:25，交易渠道为手机银行",   // an amount, then a date
                "余额 412,345.67，截至 2024-12-29，账户状态正常",
                "请查询该账户。客户于2025-06-30 18:00提交了一笔转账",                  // keyword, then another sentence
                "Balance 9,387,556.59 CNY as of 2026-06-13.\n182 of them were flagged",
                // Digit words in prose: a count, a range, a list of a few, a sentence that ends and one that starts.
                "One or two of the three cards, four to five days, six-month term, zero fees",
                "Pick one, two, three, four or five. Seven of nine agreed; the other two did not.",
                "Someone often said the tone was fine; nineteen sixty-six, seventy-eight and oneself",
                "The code is one two three. Two days later, 13 of 20 replied.",
                "Oh, one more thing: one two-bedroom flat, and 3 one-off fees.",
                // Base64 of ordinary text, keys, ids and identifiers: read, or passed over, and nothing found.
                "VGhlIGJhbGFuY2UgaXMgMSwyMzQuNTYgQ05ZIGFzIG9mIDIwMjYtMTEtMzA7IHRoYW5rIHlvdS4=",
                "Authorization: Bearer sk-proj-AbCdEf0123456789xyzXYZ and eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
                "request 123e4567e89b12d3a456426614174000 via getCustomerAccountNumberForTheBank at /v1/chat/completions",
                "sha256-Q2hlY2sgdGhlIHJhdGUgZm9yIGEgZml4ZWQgZGVwb3NpdA and data-8f3a9c2e7b1d4f6a0e5c");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ordinary")
    void leavesOrdinaryTextAlone(String text) {
        assertThat(scanner.scan(text)).isEmpty();
    }

    @Test
    void aNumberSpelledInWordsIsMaskedWordsAndAll() {
        String text = "card six two two two zero two one two three four five six seven eight nine four, thanks";
        Finding f = scanner.scan(text).get(0);
        assertThat(text.substring(f.start(), f.end()))
                .isEqualTo("six two two two zero two one two three four five six seven eight nine four");
    }

    @Test
    void aValueInPartsIsOneFindingOfSeveralSpans() {
        String text = "Card starts 62220212\nand ends 34567894";
        List<Finding> found = scanner.scan(text);
        assertThat(found).hasSize(1);
        assertThat(found.get(0).spans()).extracting(s -> text.substring(s.start(), s.end()))
                .containsExactly("62220212", "34567894");
    }

    @Test
    void spansPointAtTheOriginalCharacters() {
        String text = "x ６２２２\u200B0212\u00A03456 7894 y";
        Finding f = scanner.scan(text).get(0);
        assertThat(text.substring(f.start(), f.end())).isEqualTo("６２２２\u200B0212\u00A03456 7894");
        String surrogates = "card \uD835\uDFD4\uD835\uDFD0\uD835\uDFD0\uD835\uDFD0\uD835\uDFCE\uD835\uDFD0"
                + "\uD835\uDFCF\uD835\uDFD0\uD835\uDFD1\uD835\uDFD2\uD835\uDFD3\uD835\uDFD4\uD835\uDFD5\uD835\uDFD6"
                + "\uD835\uDFD7\uD835\uDFD2!";
        Finding g = scanner.scan(surrogates).get(0);
        assertThat(g.start()).isEqualTo(5);
        assertThat(g.end()).isEqualTo(surrogates.length() - 1);
    }

    @Test
    void aBoundaryIsNeverCrossed() {
        String text = "6222 0212" + NumberTokens.BOUNDARY + "3456 7894";
        assertThat(scanner.scan(text)).isEmpty();
    }

    @Test
    void aNumberInExponentFormIsReadWrittenOut() throws Exception {
        RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
        for (String n : new String[] {"6.222021234567894E15", "6222021234567894e0", "62220212345678.94E2",
                "6222021234567894e3", "6222021234567894E41", "6222021234567894e-17"}) {
            byte[] body = ("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"x_ref\":"
                    + n + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(requests.assess(body).kinds()).as(n).containsExactly("bank-card");
            assertThat(requests.assess(dev.switchboard.core.RequestView.chat(body).tree()).kinds()).as(n)
                    .containsExactly("bank-card");
        }
        byte[] huge = "{\"model\":\"chat\",\"x\":1e999999999}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(requests.assess(huge).sensitive()).isFalse();
    }

    /** A custom pattern over half of a card in two parts: masking still covers the whole card. */
    @Test
    void maskingCoversEveryFindingEvenOverlappingOnes() throws Exception {
        SensitiveDataScanner withPattern = new SensitiveDataScanner(Detectors.BUILT_IN,
                List.of(new CustomPattern("ref", java.util.regex.Pattern.compile(
                        "starts \\d{8}"))), List.of());
        com.fasterxml.jackson.databind.node.ObjectNode body = (com.fasterxml.jackson.databind.node.ObjectNode)
                new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"model\":\"chat\",\"messages\":["
                        + "{\"role\":\"user\",\"content\":\"Card starts 62220212\"},"
                        + "{\"role\":\"user\",\"content\":\"and ends 34567894\"}]}");
        String masked = new RequestScanner(withPattern, ComplianceSpec.Media.ALLOW).mask(body, new Masking()).toString();
        assertThat(masked).doesNotContain("62220212").doesNotContain("34567894");
    }

    /** A chat body of these messages (JSON objects), its model "chat". */
    private static byte[] chatOf(String... messages) {
        return ("{\"model\":\"chat\",\"messages\":[" + String.join(",", messages) + "]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String toolCall(String arguments) {
        return "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"pay\",\"arguments\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(arguments)
                + "}}]}";
    }

    @Test
    void aValueContinuedIntoAToolCallsArgumentsOrARefusalIsOneValue() throws Exception {
        RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
        EgressGuard guard = new EgressGuard(scanner, ComplianceSpec.Media.ALLOW);
        String user = "{\"role\":\"user\",\"content\":\"The card starts 62220212\"}";
        List<byte[]> bodies = List.of(
                // From a message into the arguments, from the arguments into the next message, from a refusal.
                chatOf(user, toolCall("{\"rest\":\"34567894\"}")),
                chatOf(toolCall("{\"card_start\":\"62220212\"}"),
                        "{\"role\":\"user\",\"content\":\"and it ends 34567894\"}"),
                chatOf(user, "{\"role\":\"assistant\",\"refusal\":\"I cannot use 34567894 here\"}"),
                // The commoner split, across two messages with a tool call between them, still one value.
                chatOf(user, toolCall("{\"q\":\"balance\"}"), "{\"role\":\"user\",\"content\":\"34567894\"}"));
        for (byte[] body : bodies) {
            String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
            assertThat(requests.assess(body).kinds()).as(text).containsExactly("bank-card");
            assertThat(guard.check(body).kinds()).as(text).containsExactly("bank-card");
            com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
            com.fasterxml.jackson.databind.node.ObjectNode masked = requests.mask(tree, new Masking());
            // Each part masked where it is, with the one placeholder of the value, and the masked body passes.
            assertThat(masked.toString()).as(text).doesNotContain("62220212").doesNotContain("34567894")
                    .contains("[BANK_CARD_1]").doesNotContain("[BANK_CARD_1][BANK_CARD_1]");
            assertThat(guard.check(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(masked))
                    .sensitive()).as(masked.toString()).isFalse();
        }
        // Ordinary tool traffic stays clean: a number in the arguments and another in the next turn are no value,
        // and an id the model copies into a tool call's arguments is said twice, not given in two halves.
        assertThat(requests.assess(chatOf(user.replace("62220212", "2026"), toolCall("{\"amount\":\"1250.00\"}"),
                "{\"role\":\"user\",\"content\":\"ref 7781-2231\"}")).sensitive()).isFalse();
        for (String id : List.of("62003322", "40121288", "51000007", "62220212")) {
            assertThat(requests.assess(chatOf("{\"role\":\"user\",\"content\":\"Please refund order " + id + "\"}",
                    toolCall("{\"order_id\": \"" + id + "\"}"))).sensitive()).as(id).isFalse();
        }
    }

    @Test
    void aNumberMaskedInAToolCallsArgumentsLeavesThemJson() throws Exception {
        RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        byte[] body = chatOf(toolCall("{\"card\": 6222021234567894, \"cards\": [13800138000], \"note\": \"card "
                + "6222021234567894\"}"));
        com.fasterxml.jackson.databind.node.ObjectNode masked = requests.mask(
                (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(body), new Masking());
        String arguments = masked.at("/messages/0/tool_calls/0/function/arguments").asText();
        com.fasterxml.jackson.databind.JsonNode parsed = mapper.readTree(arguments); // still JSON
        assertThat(parsed.get("card").asText()).isEqualTo("[BANK_CARD_1]");
        assertThat(parsed.get("cards").get(0).asText()).isEqualTo("[MOBILE_1]");
        assertThat(parsed.get("note").asText()).isEqualTo("card [BANK_CARD_1]"); // inside a string: as it was
    }

    @Test
    void aFieldNamedArgumentsOutsideAToolCallIsProseWhenMasked() throws Exception {
        // Only a tool call's arguments are JSON a model wrote: a client's own field of that name elsewhere is a text,
        // and a value masked in it is the placeholder alone, not the placeholder in quotes.
        RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        String body = "{\"model\":\"chat\",\"metadata\":{\"arguments\":\"6222021234567894\"},\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"hello\",\"arguments\":\"13800138000\"}]}";
        com.fasterxml.jackson.databind.node.ObjectNode masked = requests.mask(
                (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(body), new Masking());
        assertThat(masked.at("/metadata/arguments").asText()).isEqualTo("[BANK_CARD_1]");
        assertThat(masked.at("/messages/0/arguments").asText()).isEqualTo("[MOBILE_1]");
    }

    @Test
    void aSeamFindsPartsPastEmptyTurnsAndOtherCallsAndCountsAValueOnce() throws Exception {
        RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
        String user = "{\"role\":\"user\",\"content\":\"The card starts 62220212\"}";
        String calls = "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":["
                + "{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"fx\",\"arguments\":\"{}\"}},"
                + "{\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"pay\","
                + "\"arguments\":\"{\\\"rest\\\":\\\"34567894\\\"}\"}}]}";
        // An empty assistant text before the calls, the part in the second of two parallel calls.
        assertThat(requests.assess(chatOf(user, calls)).kinds()).containsExactly("bank-card");
        // A text of the assistant's own between: a turn, as between two messages.
        assertThat(requests.assess(chatOf(user, "{\"role\":\"assistant\",\"content\":\"Let me look that up.\"}",
                toolCall("{\"rest\":\"34567894\"}"))).kinds()).containsExactly("bank-card");
        // A whole card, then a refusal that starts with a digit: the card, once; the refusal's "1." stays its own.
        byte[] refused = chatOf("{\"role\":\"user\",\"content\":\"My card is 6222021234567894\"}",
                "{\"role\":\"assistant\",\"refusal\":\"1. I cannot store card numbers.\"}");
        assertThat(requests.assess(refused).counts()).containsExactly(java.util.Map.entry("bank-card", 1));
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(refused),
                new Masking()).toString()).contains("1. I cannot store").contains("My card is [BANK_CARD_1]");
        // Both parts in calls and refusals: a refusal, then a call; a call, then a refusal.
        assertThat(requests.assess(chatOf("{\"role\":\"assistant\",\"refusal\":\"I will not use 62220212\"}",
                toolCall("{\"rest\":\"34567894\"}"))).kinds()).containsExactly("bank-card");
        assertThat(requests.assess(chatOf(toolCall("{\"start\":\"62220212\"}"),
                "{\"role\":\"assistant\",\"refusal\":\"34567894 is the rest\"}")).kinds())
                .containsExactly("bank-card");
        // A part said again in a call's arguments: one value, every part under its one placeholder, which stands
        // for the card (the echoed part once).
        byte[] echoed = chatOf(user, toolCall("{\"start\": \"62220212\"}"),
                "{\"role\":\"user\",\"content\":\"34567894 is the rest\"}");
        assertThat(requests.assess(echoed).counts()).containsExactly(java.util.Map.entry("bank-card", 1));
        Masking masking = new Masking();
        String echoMasked = requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(echoed),
                masking).toString();
        assertThat(echoMasked).doesNotContain("62220212").doesNotContain("34567894").doesNotContain("BANK_CARD_2");
        assertThat(masking.restore("[BANK_CARD_1]").replace("\n", "")).isEqualTo("6222021234567894");
        // A part said again whose echo alone reads as another kind: one value, one placeholder in every part.
        byte[] mobileRest = chatOf("{\"role\":\"user\",\"content\":\"The number starts 62281\"}",
                toolCall("{\"rest\": \"13114402427\"}"),
                "{\"role\":\"user\",\"content\":\"13114402427 yes that\"}");
        assertThat(requests.assess(mobileRest).counts()).containsExactly(java.util.Map.entry("bank-card", 1));
        assertThat(requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(mobileRest),
                new Masking()).toString()).doesNotContain("MOBILE").doesNotContain("13114402427");
        // A part whose digits stand inside the first part: the placeholder stands for the whole value.
        Masking whole = new Masking();
        requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(chatOf(
                "{\"role\":\"user\",\"content\":\"My card starts 622202174218\"}", toolCall("{\"rest\":\"2202\"}"))),
                whole);
        assertThat(whole.restore("[BANK_CARD_1]").replaceAll("\\D", "")).isEqualTo("6222021742182202");
        // A value read across a seam keeps the order it was given in, though a text alone read it the other way.
        Masking ordered = new Masking();
        requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(chatOf(
                "{\"role\":\"user\",\"content\":\"The card starts 62220212\"}",
                toolCall("{\"rest\":\"34567894\",\"first\":\"62220212\"}"))), ordered);
        assertThat(ordered.restore("[BANK_CARD_1]").replaceAll("\\D", "")).isEqualTo("6222021234567894");
        // The first reading across a seam gives the order, though a later seam reads the parts the other way.
        Masking first = new Masking();
        requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(chatOf(user,
                toolCall("{\"rest\":\"34567894\"}"), "{\"role\":\"user\",\"content\":\"yes 62220212 is right\"}")),
                first);
        assertThat(first.restore("[BANK_CARD_1]").replaceAll("\\D", "")).isEqualTo("6222021234567894");
        // A part that says again the start of the whole value given in the arguments: masked, not in the value.
        Masking prefix = new Masking();
        String prefixed = requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(chatOf(user,
                toolCall("62220212345678945"))), prefix).toString();
        assertThat(prefixed).doesNotContain("62220212");
        assertThat(prefix.restore("[BANK_CARD_1]").replaceAll("\\D", "")).isEqualTo("62220212345678945");
        // A rest whose digits begin like the first part is the rest all the same.
        Masking rest = new Masking();
        requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(chatOf(
                "{\"role\":\"user\",\"content\":\"The card starts 622202\"}", toolCall("{\"rest\":\"6222021234\"}"))),
                rest);
        assertThat(rest.restore("[BANK_CARD_1]").replaceAll("\\D", "")).isEqualTo("6222026222021234");
        // Read across two seams and in the conversation: one value, one placeholder that stands for it.
        byte[] twice = chatOf("{\"role\":\"user\",\"content\":\"The number starts 622202\"}",
                toolCall("{\"rest\":\"5009374126197\"}"),
                "{\"role\":\"user\",\"content\":\"5009374126197 yes that\"}");
        assertThat(requests.assess(twice).counts()).containsExactly(java.util.Map.entry("bank-card", 1));
        Masking once = new Masking();
        assertThat(requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(twice), once)
                .toString()).doesNotContain("BANK_CARD_2").doesNotContain("5009374126197");
        assertThat(once.restore("[BANK_CARD_1]").replaceAll("\\D", "")).isEqualTo("6222025009374126197");
        // Keys that name the value or its part join it; keys that name another thing, with a prefix, do not.
        assertThat(requests.assess(chatOf(toolCall("{\"id_front\":\"440305\",\"id_back\":\"199706267075\"}")))
                .kinds()).containsExactly("cn-resident-id");
        for (String key : List.of("id_number", "idNumber", "id_card", "resident_id", "national_id", "ID", "rest")) {
            assertThat(requests.assess(chatOf("{\"role\":\"user\",\"content\":\"My ID number starts 440305\"}",
                    toolCall("{\"" + key + "\":\"199706267075\"}"))).kinds()).as(key).containsExactly("cn-resident-id");
        }
        for (String key : List.of("card_id", "cardRef", "bank_card_id")) {
            assertThat(requests.assess(chatOf("{\"role\":\"user\",\"content\":\"My card starts 62280730\"}",
                    toolCall("{\"" + key + "\":\"21573688\"}"))).kinds()).as(key).containsExactly("bank-card");
        }
        assertThat(requests.assess(chatOf("{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":"
                + "\"function\",\"function\":{\"name\":\"a\",\"arguments\":\"{\\\"page\\\":\\\"INV-31495032\\\"}\"}},"
                + "{\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"b\",\"arguments\":"
                + "\"{\\\"order_id\\\":\\\"INV-24304617\\\"}\"}}]}")).sensitive()).isFalse();
        for (String key : List.of("order_no", "order_number", "invoice_no", "ticket_number", "last_order_id")) {
            assertThat(requests.assess(chatOf("{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":"
                    + "\"function\",\"function\":{\"name\":\"a\",\"arguments\":\"{\\\"" + key
                    + "\\\":\\\"83197012\\\"}\"}},{\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":"
                    + "\"b\",\"arguments\":\"{\\\"" + key + "\\\":\\\"52623667\\\"}\"}}]}")).sensitive())
                    .as(key).isFalse();
        }
        // An id in the conversation, copied into one call, another id in a parallel call: no card.
        assertThat(requests.assess(chatOf("{\"role\":\"user\",\"content\":\"My customer number is 25283944\"}",
                "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"a\",\"arguments\":\"{\\\"customer_id\\\":\\\"25283944\\\"}\"}},"
                        + "{\"id\":\"c2\",\"type\":\"function\",\"function\":{\"name\":\"b\",\"arguments\":"
                        + "\"{\\\"order_id\\\":\\\"27887092\\\"}\"}}]}")).sensitive()).isFalse();
        // An ID whose rest reads as a mobile on its own: the ID, once, under one placeholder.
        byte[] id = chatOf("{\"role\":\"user\",\"content\":\"My ID number starts 510107\"}",
                toolCall("{\"rest\":\"19561019335X\"}"));
        assertThat(requests.assess(id).counts()).containsExactly(java.util.Map.entry("cn-resident-id", 1));
        com.fasterxml.jackson.databind.ObjectMapper json = mapper;
        String masked = requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(id), new Masking())
                .toString();
        assertThat(masked).contains("starts [ID_CARD_1]").contains("[ID_CARD_1]").doesNotContain("MOBILE")
                .doesNotContain("510107").doesNotContain("19561019335");
        // What a seam holds of a text alone is found in the text, not again: no second value from a cut number.
        byte[] far = chatOf("{\"role\":\"user\",\"content\":\"My card number 6222013800138002 is my card please pay "
                + "the electricity bill for this month and then tell me what the remaining balance on the account\"}",
                toolCall("{\"biller\":\"electricity\"}"));
        assertThat(requests.assess(far).counts()).containsExactly(java.util.Map.entry("bank-card", 1));
        assertThat(requests.mask((com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(far), new Masking())
                .toString()).doesNotContain("MOBILE").contains("number [BANK_CARD_1] is");
    }

    @Test
    void anEscapedNulInARequestIsNoBoundary() {
        RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
        // In the content: JSON decodes it; in a tool call's arguments it is still written as an escape.
        byte[] content = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"card 62220212\\u000034567894\"}]}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(requests.assess(content).kinds()).containsExactly("bank-card");
        byte[] arguments = ("{\"model\":\"chat\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"pay\",\"arguments\":"
                + "\"{\\\"card\\\":\\\"62220212\\\\u000034567894\\\"}\"}}]}]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(requests.assess(arguments).kinds()).containsExactly("bank-card");
    }

    @Test
    void withNoTextDetectorMediaAndTokenIdsStillStayInside() {
        SensitiveDataScanner none = new SensitiveDataScanner(java.util.Set.of(), List.of(), List.of());
        byte[] image = ("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\"}}]}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] ids = "{\"model\":\"embed\",\"input\":[[1101, 2236, 88]]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] card = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"card 6222021234567894\"}]}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        RequestScanner internal = new RequestScanner(none, ComplianceSpec.Media.INTERNAL);
        assertThat(internal.assess(image).kinds()).containsExactly(Assessment.MEDIA);
        assertThat(new EgressGuard(none, ComplianceSpec.Media.INTERNAL).check(image).kinds())
                .containsExactly(Assessment.MEDIA);
        assertThat(internal.assess(ids).kinds()).containsExactly(Assessment.UNREADABLE);
        assertThat(new RequestScanner(none, ComplianceSpec.Media.ALLOW).assess(ids).kinds())
                .containsExactly(Assessment.UNREADABLE);
        // What the config chose not to detect is not found: the detectors decide the text, not the walk.
        assertThat(internal.assess(card).sensitive()).isFalse();
        assertThat(new RequestScanner(none, ComplianceSpec.Media.ALLOW).assess(image).sensitive()).isFalse();
    }

    @Test
    void aValueUnderAKeyThatNamesItIsReadAsAfterItsWords() throws Exception {
        RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String fields : List.of("\"账号\":\"110060576018001234567\"", "\"customer_account_number\":110060576018001234567",
                "\"acct_no\":12345678", "\"bankAccount\":\"1100 6057 6018 0012 345\"", "\"passportNo\":\"141234567\"")) {
            String text = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + "\"x_customer\":{" + fields + "}}";
            byte[] body = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Assessment found = requests.assess(body);
            assertThat(found.sensitive()).as(text).isTrue();
            assertThat(requests.assess(dev.switchboard.core.RequestView.chat(body).tree())).as(text).isEqualTo(found);
            // Masked, nothing is left the guard would refuse.
            com.fasterxml.jackson.databind.node.ObjectNode masked = requests.mask(
                    (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(body), new Masking());
            assertThat(requests.assess(json.writeValueAsBytes(masked)).sensitive()).as(masked.toString()).isFalse();
        }
        // A short number under another key, or a key naming something else, stays unread.
        byte[] clean = ("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"x_customer\":{\"batch\":12345678,\"account_type\":\"12345678\",\"accounts\":[12345678]}}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(requests.assess(clean).sensitive()).isFalse();
    }

    @Test
    void aConfiguredWordIsReadAsTheTextIs() {
        SensitiveDataScanner words = new SensitiveDataScanner(java.util.Set.of(), List.of(), List.of(
                new dev.switchboard.core.compliance.KeywordList("project", List.of("Falcon\u2013X", "ＰＲＯＪＥＣＴ ＺＥＵＳ"))));
        assertThat(words.scan("the falcon-x plan")).extracting(Finding::kind).containsExactly("project");
        assertThat(words.scan("the Falcon\u2014X plan")).extracting(Finding::kind).containsExactly("project");
        assertThat(words.scan("about project\u00A0zeus")).extracting(Finding::kind).containsExactly("project");
    }

    @Test
    void aClientsStringIsRecordedWithItsValuesWrittenAsTheirKinds() {
        CompliancePolicy policy = new CompliancePolicy(ComplianceSpec.DEFAULTS);
        assertThat(policy.recordable("chat")).isEqualTo("chat");
        assertThat(policy.recordable("req-123e4567-e89b-12d3-a456-426614174000"))
                .isEqualTo("req-123e4567-e89b-12d3-a456-426614174000");
        assertThat(policy.recordable("card 6222 0212 3456 7894")).isEqualTo("card [bank-card]");
        // A value in two parts, and another value: every part written as its kind, in order.
        assertThat(policy.recordable("call 13800138000; card starts 62220212 and ends 34567894"))
                .isEqualTo("call [cn-mobile]; card starts [bank-card] and ends [bank-card]");
        assertThat(policy.recordable(null)).isNull();
        // Short and plain, decided without the scanner; the shortest value the detectors know is longer.
        assertThat(policy.recordable("retail-app")).isEqualTo("retail-app");
        assertThat(policy.recordable("a@b.cn")).isEqualTo("[email]");
        assertThat(policy.recordable("E12345678")).isEqualTo("[cn-passport]");
        assertThat(policy.recordable("onethreeeightohohonethreeeightohohoh")).isEqualTo("[cn-mobile]");
        // The ids the gateway makes are recorded unread: none can hold a value; anything else of that look is read.
        SensitiveDataScanner detectors = SensitiveDataScanner.builtIn();
        for (int k = 0; k < 20_000; k++) {
            String id = dev.switchboard.core.GatewayRequest.newRequestId();
            assertThat(id).doesNotContainPattern("[0-9]{6}");
            assertThat(detectors.scan(id)).as(id).isEmpty();
            assertThat(policy.recordable(id)).isSameAs(id);
        }
        assertThat(policy.recordable("req_6222-0212-3456-7894")).isEqualTo("req_[bank-card]");
    }

    @Test
    void aValueWhoseRestIsAskedForInATurnBetweenIsOneValue() {
        RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
        byte[] body = ("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"My card starts 62220212\"},"
                + "{\"role\":\"assistant\",\"content\":\"Thanks. Please send the remaining eight digits.\"},"
                + "{\"role\":\"user\",\"content\":\"34567894\"}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(requests.assess(body).kinds()).containsExactly("bank-card");
        byte[] id = ("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"身份证前14位 11010519491231\"},"
                + "{\"role\":\"assistant\",\"content\":\"好的，请提供剩下的部分。\"},"
                + "{\"role\":\"user\",\"content\":\"002X\"}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(requests.assess(id).kinds()).containsExactly("cn-resident-id");
    }

    @Test
    void aLongRunOfLookalikeLettersIsReadInLinearTime() {
        String run = "O".repeat(2_000_000);
        long start = System.nanoTime();
        assertThat(scanner.scan("1" + run + "2")).isEmpty();
        assertThat(scanner.scan(run + "\u200B" + run)).isEmpty();
        // Quadratic, this is hours; linear, well under the limit on any machine.
        assertThat(System.nanoTime() - start).isLessThan(java.util.concurrent.TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void inlineBytesAreMediaWhereverTheyAreWritten() {
        RequestScanner internal = new RequestScanner(scanner, ComplianceSpec.Media.INTERNAL);
        for (String text : List.of("see ![id](data:image/png;base64,iVBORw0KGgo=)", " data:image/png;base64,iVBOR",
                "DATA:IMAGE/JPEG;BASE64,/9j/4AAQ", "scan: data:application/pdf;name=id.pdf;Base64,JVBERi0x",
                "<img src=\"data:image/svg+xml;charset=utf-8;base64,PHN2Zz4=\">")) {
            byte[] body = ("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\""
                    + new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text))
                    + "\"}]}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThat(internal.assess(body).kinds()).as(text).containsExactly(Assessment.MEDIA);
        }
        byte[] prose = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"the metadata: base64, data: none\"}]}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(internal.assess(prose).sensitive()).isFalse();
    }

    @Test
    void aClientsNulCharIsNoBoundary() {
        RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
        byte[] body = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"card 6222\\u00000212\\u00003456\\u00007894\"}]}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(requests.assess(body).kinds()).containsExactly("bank-card");
    }

    @Test
    void tokenIdsCannotBeReadAndStayInside() {
        RequestScanner requests = new RequestScanner(scanner, ComplianceSpec.Media.ALLOW);
        byte[] ids = "{\"model\":\"embed\",\"input\":[[1101, 2236, 88]]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Assessment found = requests.assess(ids);
        assertThat(found.kinds()).containsExactly(Assessment.UNREADABLE);
        for (var action : dev.switchboard.core.config.ComplianceSpec.Action.values()) {
            if (action != dev.switchboard.core.config.ComplianceSpec.Action.BLOCK) {
                assertThat(CompliancePolicy.judge(found, action).outcome().allowsExternal()).as(action.name())
                        .isFalse();
            }
        }
        assertThat(CompliancePolicy.judge(Assessment.of(Assessment.DETECTOR_ERROR),
                dev.switchboard.core.config.ComplianceSpec.Action.MASK).outcome().allowsExternal()).isFalse();
        assertThat(CompliancePolicy.judge(Assessment.of("bank-card"),
                dev.switchboard.core.config.ComplianceSpec.Action.MASK).outcome().allowsExternal()).isTrue();
    }

    /** One number of a million groups is read in one pass: no window search grows with the square of it. */
    @Test
    void aHugeNumberIsReadInLinearTime() {
        String ones = "1 ".repeat(1_000_000);
        assertThat(scanner.scan(ones)).isEmpty();
        assertThat(scanner.scan(ones + "6222 0212 3456 7894")).extracting(Finding::kind).contains("bank-card");
    }

    @Test
    void manySmallBase64RunsAreReadAsOneText() {
        // 60,000 runs that each decode to text (spelled digits, too few for a value): read in one scan, not one each.
        String runs = (java.util.Base64.getEncoder().encodeToString("six two two two".getBytes(
                java.nio.charset.StandardCharsets.UTF_8)) + " ").repeat(60_000);
        assertThat(scanner.scan(runs)).isEmpty();
        String card = java.util.Base64.getEncoder().encodeToString("card 6222 0212 3456 7894".getBytes(
                java.nio.charset.StandardCharsets.UTF_8));
        List<Finding> found = scanner.scan(runs + card);
        assertThat(found).extracting(Finding::kind).containsExactly("bank-card");
        assertThat(found.get(0).start()).isEqualTo(runs.length());
    }

    @Test
    void creditCodeCheckCharacterMustHold() {
        assertThat(scanner.scan("91350100M000100Y44")).isEmpty();
        assertThat(scanner.scan("code 91110000100000000R ok")).extracting(Finding::kind)
                .containsExactly("cn-credit-code");
    }
}
