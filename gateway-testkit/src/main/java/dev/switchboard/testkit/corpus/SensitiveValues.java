package dev.switchboard.testkit.corpus;

import java.time.LocalDate;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Generators of the customer data the gateway must keep from external models. Every value is valid the way a real
 * one is (check characters, issuer prefixes, real region codes), so a detector cannot pass by being lax, and the
 * same seed always gives the same values. A value comes back in its canonical form: digits, letters upper-case.
 */
public final class SensitiveValues {
    public static final String RESIDENT_ID = "cn-resident-id";
    public static final String BANK_CARD = "bank-card";
    public static final String MOBILE = "cn-mobile";
    public static final String EMAIL = "email";
    public static final String PASSPORT = "cn-passport";
    public static final String USCC = "uscc";
    public static final String BANK_ACCOUNT = "bank-account";

    /** Every kind, in the order reports list them. */
    public static final List<String> KINDS = List.of(RESIDENT_ID, BANK_CARD, MOBILE, EMAIL, PASSPORT, USCC,
            BANK_ACCOUNT);

    /**
     * A bank account is only a bank account because of the word before it (a bare run of digits is just a
     * number), so the corpus always writes one of these directly before an account.
     */
    public static final List<String> ACCOUNT_KEYWORDS = List.of("账号：", "账户 ", "account no. ",
            "Account number: ", "acct no ");

    /** Real county-level codes (GB/T 2260), first digit 1-8, shared by resident IDs and credit codes. */
    static final List<String> REGIONS = List.of("110101", "110105", "110108", "120101", "120104", "130102",
            "140105", "150102", "210102", "210202", "220102", "230103", "310101", "310104", "310110", "310115",
            "320102", "320106", "320506", "330102", "330106", "330212", "340104", "350102", "350203", "360102",
            "370102", "370202", "410105", "420106", "420111", "430104", "440103", "440106", "440305", "440306",
            "441900", "450103", "460106", "500103", "500112", "510104", "510107", "520102", "530102", "610113",
            "620102", "630102", "640104", "650102", "810000", "820000");

    /** Bank BINs of the main PRC issuers: UnionPay cards are most of what a Chinese bank sees. */
    private static final List<String> UNIONPAY_BINS = List.of("622202", "621226", "622848", "621700", "622700",
            "622588", "621483", "622262", "621661", "623668", "620522", "622609", "621799", "625965");

    /** Three-digit mobile prefixes the PRC carriers use. */
    private static final List<String> MOBILE_PREFIXES = List.of("130", "131", "132", "133", "134", "135", "136",
            "137", "138", "139", "145", "147", "150", "151", "152", "153", "155", "156", "157", "158", "159", "166",
            "170", "171", "173", "175", "176", "177", "178", "180", "181", "182", "183", "184", "185", "186", "187",
            "188", "189", "191", "193", "195", "196", "197", "198", "199");

    private static final List<String> SURNAMES = List.of("zhang", "wang", "li", "liu", "chen", "yang", "huang",
            "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu", "hu", "guo", "he", "lin", "luo", "gao");
    private static final List<String> GIVEN_NAMES = List.of("wei", "fang", "na", "min", "jing", "lei", "jun",
            "yang", "yong", "yan", "jie", "tao", "ming", "chao", "xiuying", "xiaohong", "haoran", "zihan", "yuxuan");
    private static final List<String> BANK_DOMAINS = List.of("icbc.com.cn", "ccb.com", "boc.cn", "abchina.com",
            "bankcomm.com", "cmbchina.com", "spdb.com.cn", "citicbank.com");
    private static final List<String> PERSONAL_DOMAINS = List.of("163.com", "126.com", "qq.com", "sina.com",
            "foxmail.com", "gmail.com", "outlook.com", "hotmail.com", "yeah.net", "139.com");

    private static final LocalDate FIRST_BIRTH = LocalDate.of(1930, 1, 1);
    private static final LocalDate LAST_BIRTH = LocalDate.of(2010, 12, 31);

    private SensitiveValues() {
    }

    /** A value of {@code kind} (one of {@link #KINDS}). */
    public static String generate(String kind, RandomGenerator rng) {
        return switch (kind) {
            case RESIDENT_ID -> residentId(rng);
            case BANK_CARD -> bankCard(rng);
            case MOBILE -> mobile(rng);
            case EMAIL -> email(rng);
            case PASSPORT -> passport(rng);
            case USCC -> uscc(rng);
            case BANK_ACCOUNT -> bankAccount(rng);
            default -> throw new IllegalArgumentException("unknown kind '" + kind + "', expected one of " + KINDS);
        };
    }

    /** A value of {@code kind} in a randomly chosen format: what a test plants when it needs one value. */
    public static Planted plant(String kind, RandomGenerator rng) {
        String canonical = generate(kind, rng);
        String format = Formats.pick(kind, canonical, rng, f -> true);
        return new Planted(kind, canonical, Formats.render(format, kind, canonical, rng), format, "", "");
    }

    /**
     * Region, birth date (1930-2010), sequence, ISO 7064 MOD 11-2 check character. The check is {@code X} for
     * about one ID in eleven, as in real life, so detectors must handle the letter.
     */
    public static String residentId(RandomGenerator rng) {
        LocalDate birth = FIRST_BIRTH.plusDays(rng.nextLong(LAST_BIRTH.toEpochDay() - FIRST_BIRTH.toEpochDay() + 1));
        String first17 = pick(REGIONS, rng)
                + String.format("%04d%02d%02d", birth.getYear(), birth.getMonthValue(), birth.getDayOfMonth())
                + String.format("%03d", 1 + rng.nextInt(999));
        return first17 + Checksums.residentIdCheck(first17);
    }

    /** A Luhn-valid card: mostly UnionPay (16-19 digits), else Visa, Mastercard, American Express (15) or JCB. */
    public static String bankCard(RandomGenerator rng) {
        int network = rng.nextInt(100);
        String prefix;
        int length;
        if (network < 60) {
            prefix = pick(UNIONPAY_BINS, rng);
            length = 16 + rng.nextInt(4);
        } else if (network < 72) {
            prefix = "4";
            length = 16;
        } else if (network < 84) {
            prefix = rng.nextBoolean() ? String.valueOf(51 + rng.nextInt(5)) : String.valueOf(2221 + rng.nextInt(500));
            length = 16;
        } else if (network < 92) {
            prefix = rng.nextBoolean() ? "34" : "37";
            length = 15;
        } else {
            prefix = String.valueOf(3528 + rng.nextInt(62));
            length = 16;
        }
        String payload = prefix + digits(rng, length - 1 - prefix.length());
        return payload + Checksums.luhnCheckDigit(payload);
    }

    /** Eleven digits, {@code 1[3-9]...}, with a prefix a carrier really uses. */
    public static String mobile(RandomGenerator rng) {
        return pick(MOBILE_PREFIXES, rng) + digits(rng, 8);
    }

    /** A plausible address: pinyin names at a bank or a mail provider, or a QQ number at qq.com. */
    public static String email(RandomGenerator rng) {
        String surname = pick(SURNAMES, rng);
        String given = pick(GIVEN_NAMES, rng);
        String local = switch (rng.nextInt(6)) {
            case 0 -> surname + "." + given;
            case 1 -> given + "_" + surname + (10 + rng.nextInt(90));
            case 2 -> surname + given;
            case 3 -> given.charAt(0) + "." + surname;
            case 4 -> surname + "_" + given + (1960 + rng.nextInt(45));
            default -> null;
        };
        if (local == null) {
            // QQ numbers: a digit run inside an address, which a digit detector must not claim.
            return (1 + rng.nextInt(9)) + digits(rng, 5 + rng.nextInt(5)) + "@QQ.COM";
        }
        String domain = rng.nextInt(3) == 0 ? pick(BANK_DOMAINS, rng) : pick(PERSONAL_DOMAINS, rng);
        return (local + "@" + domain).toUpperCase(java.util.Locale.ROOT);
    }

    /** A PRC ordinary passport: {@code E} (since 2012) or {@code G} (before), then eight digits. */
    public static String passport(RandomGenerator rng) {
        return (rng.nextInt(4) == 0 ? "G" : "E") + digits(rng, 8);
    }

    /**
     * A unified social credit code: registering authority and entity type (matching pairs only), region, nine
     * characters of the organisation code, check character.
     */
    public static String uscc(RandomGenerator rng) {
        String authorityAndType = switch (rng.nextInt(10)) {
            case 0 -> "1" + "1239".charAt(rng.nextInt(4));
            case 1 -> "5" + "1239".charAt(rng.nextInt(4));
            case 2 -> "Y1";
            default -> "9" + "123".charAt(rng.nextInt(3)); // companies: most of what a bank sees
        };
        StringBuilder organisation = new StringBuilder(9);
        for (int i = 0; i < 9; i++) {
            // Mostly digits, as issued codes are; a letter now and then so detectors must take the whole charset.
            organisation.append(rng.nextInt(4) == 0
                    ? Checksums.USCC_CHARSET.charAt(10 + rng.nextInt(21))
                    : (char) ('0' + rng.nextInt(10)));
        }
        String first17 = authorityAndType + pick(REGIONS, rng) + organisation;
        return first17 + Checksums.usccCheck(first17);
    }

    /**
     * A bank account number: 12-22 digits that are not also a card (Luhn-valid with a card prefix) nor a resident
     * ID, so each planted account counts as one kind only. Never a leading zero, so it can also be a JSON number.
     */
    public static String bankAccount(RandomGenerator rng) {
        while (true) {
            String account = (1 + rng.nextInt(9)) + digits(rng, 11 + rng.nextInt(11));
            boolean card = Checksums.hasCardPrefix(account) && Checksums.luhnValid(account);
            boolean residentId = account.length() == 18
                    && Checksums.residentIdCheck(account.substring(0, 17)) == account.charAt(17);
            if (!card && !residentId) {
                return account;
            }
        }
    }

    /** One of {@link #ACCOUNT_KEYWORDS}. */
    public static String accountKeyword(RandomGenerator rng) {
        return pick(ACCOUNT_KEYWORDS, rng);
    }

    /** Whether every character of a canonical value is a digit, so it can be written as a JSON number. */
    static boolean allDigits(String canonical) {
        return canonical.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    static <T> T pick(List<T> list, RandomGenerator rng) {
        return list.get(rng.nextInt(list.size()));
    }

    private static String digits(RandomGenerator rng, int count) {
        StringBuilder out = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            out.append((char) ('0' + rng.nextInt(10)));
        }
        return out.toString();
    }
}
