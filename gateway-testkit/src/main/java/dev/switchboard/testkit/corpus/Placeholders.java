package dev.switchboard.testkit.corpus;

import java.time.LocalDate;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Fills {@code {name}} placeholders in banking text with random figures: amounts, rates, dates, codes. The
 * figures are what makes ordinary bank text hard for a detector, and none of them is a personal identifier.
 * Placeholders marked "long" write digit runs longer than four; the filler around planted values never uses them,
 * so a planted value's digits cannot be confused with the filler's.
 */
final class Placeholders {
    private static final List<String> BICS = List.of("ICBKCNBJ", "BKCHCNBJ", "PCBCCNBJ", "ABOCCNBJ", "COMMCNSH",
            "CMBCCNBS", "SPDBCNSH", "CIBKCNBJ", "HSBCCNSH", "ICBKCNBJSHI", "CITIUS33", "DEUTDEFF", "BNPAFRPP",
            "HSBCHKHH", "BKCHHKHH");
    private static final List<String> POSTAL_CODES = List.of("100032", "100033", "100140", "200120", "200002",
            "518048", "510620", "310006", "210005", "430071", "610041", "300051");
    private static final List<String> PRODUCTS = List.of("Steady Income 90D", "Wealth Plus 180D",
            "SME Quick Loan", "Green Mortgage", "Travel Rewards Platinum", "Payroll Saver", "Term Deposit Plus",
            "Trade Finance Express");
    private static final List<String> PRODUCTS_ZH = List.of("稳享添利90天", "薪金宝", "惠农e贷", "安心存", "融e借",
            "经营快贷", "绿色按揭", "外汇宝");
    private static final List<String> REGULATIONS = List.of("GB/T 35273-2020", "JR/T 0171-2020", "JR/T 0197-2020",
            "Basel III", "IFRS 9", "BCBS 239", "PIPL Article 38", "PIPL Article 13", "DSL Article 31", "PCI DSS 4.0",
            "ISO 27001:2022", "《个人信息保护法》第三十八条", "《数据安全法》", "GB/T 45574-2025");
    private static final List<String> STOCKS = List.of("601398.SH", "601939.SH", "601988.SH", "600036.SH",
            "00939.HK", "03988.HK", "01398.HK", "000001.SZ");
    private static final List<String> CITIES = List.of("Shanghai", "Beijing", "Shenzhen", "Hangzhou", "Chengdu",
            "Wuhan", "Nanjing", "Tianjin");
    private static final List<String> CITIES_ZH = List.of("上海", "北京", "深圳", "杭州", "成都", "武汉", "南京", "天津");
    private static final List<String> CURRENCIES = List.of("USD", "EUR", "HKD", "JPY", "GBP", "SGD");
    private static final List<Integer> TENORS = List.of(3, 6, 12, 24, 36, 60, 120, 240, 360);
    private static final List<Integer> DEPOSIT_TENORS = List.of(3, 6, 12, 24, 36, 60);
    private static final List<String> HOTLINES = List.of("95588", "95533", "95566", "95599", "95555", "95559");
    /** CNAPS bank codes: ICBC, ABC, BOC, CCB, BoCom, CMB. */
    private static final List<String> CNAPS_BANKS = List.of("102", "103", "104", "105", "301", "308");
    private static final List<String> CNAPS_CITIES = List.of("1000", "2900", "5840", "3310", "6510", "5210");

    private Placeholders() {
    }

    /** {@code template} with every placeholder replaced; an unknown name is a programming error. */
    static String fill(String template, RandomGenerator rng) {
        int open = template.indexOf('{');
        if (open < 0) {
            return template;
        }
        StringBuilder out = new StringBuilder(template.length() + 32);
        int from = 0;
        for (; open >= 0; open = template.indexOf('{', from)) {
            int close = template.indexOf('}', open);
            out.append(template, from, open).append(value(template.substring(open + 1, close), rng));
            from = close + 1;
        }
        return out.append(template, from, template.length()).toString();
    }

    private static String value(String name, RandomGenerator rng) {
        return switch (name) {
            case "amount" -> grouped(1_000 + rng.nextInt(9_999_000)) + cents(rng);
            case "amount_small" -> (1 + rng.nextInt(999)) + cents(rng);
            case "amount_int" -> grouped((1 + rng.nextInt(500)) * 100);
            case "wan" -> (1 + rng.nextInt(999)) + "万";
            case "pct" -> rng.nextInt(10) + cents(rng) + "%";
            case "rate" -> (1 + rng.nextInt(6)) + cents(rng);
            case "bps" -> String.valueOf(5 * (1 + rng.nextInt(15)));
            case "date" -> date(rng).toString();
            case "date_zh" -> {
                LocalDate d = date(rng);
                yield d.getYear() + "年" + d.getMonthValue() + "月" + d.getDayOfMonth() + "日";
            }
            case "period" -> period(rng, " to ");
            case "period_zh" -> period(rng, "至");
            case "hours" -> hours(rng, " and ");
            case "hours_zh" -> hours(rng, "至");
            case "time" -> twoDigits(8 + rng.nextInt(11)) + ":" + twoDigits(5 * rng.nextInt(12));
            case "open" -> twoDigits(8 + rng.nextInt(2)) + ":" + (rng.nextBoolean() ? "00" : "30");
            case "close" -> twoDigits(16 + rng.nextInt(3)) + ":" + (rng.nextBoolean() ? "00" : "30");
            case "year" -> String.valueOf(2019 + rng.nextInt(9));
            case "quarter" -> "Q" + (1 + rng.nextInt(4));
            case "quarter_zh" -> "第" + "一二三四".charAt(rng.nextInt(4)) + "季度";
            case "months" -> String.valueOf(SensitiveValues.pick(TENORS, rng));
            case "deposit_months" -> String.valueOf(SensitiveValues.pick(DEPOSIT_TENORS, rng));
            case "n" -> String.valueOf(1 + rng.nextInt(30));
            case "n3" -> String.valueOf(100 + rng.nextInt(900));
            case "day" -> String.valueOf(1 + rng.nextInt(28));
            case "count" -> grouped(100 + rng.nextInt(99_900));
            case "fx" -> (6 + rng.nextInt(2)) + "." + (1000 + rng.nextInt(9000));
            case "ext" -> String.valueOf(8001 + rng.nextInt(999));
            case "hotline" -> SensitiveValues.pick(HOTLINES, rng);
            case "card_tail" -> String.format("%04d", rng.nextInt(10_000));
            case "score" -> String.valueOf(300 + rng.nextInt(551));
            case "ccy" -> SensitiveValues.pick(CURRENCIES, rng);
            case "city" -> SensitiveValues.pick(CITIES, rng);
            case "city_zh" -> SensitiveValues.pick(CITIES_ZH, rng);
            case "product" -> SensitiveValues.pick(PRODUCTS, rng);
            case "product_zh" -> SensitiveValues.pick(PRODUCTS_ZH, rng);
            case "regulation" -> SensitiveValues.pick(REGULATIONS, rng);
            case "bic" -> SensitiveValues.pick(BICS, rng);
            case "stock" -> SensitiveValues.pick(STOCKS, rng);
            case "version" -> "v" + (1 + rng.nextInt(4)) + "." + rng.nextInt(20) + "." + rng.nextInt(10);
            case "ip" -> "10." + rng.nextInt(256) + "." + rng.nextInt(256) + "." + (1 + rng.nextInt(254));
            // Long: five to twelve digits that are amounts, codes and references, not people.
            case "principal" -> Integer.toString((10 + rng.nextInt(4990)) * 1000);
            case "postal" -> SensitiveValues.pick(POSTAL_CODES, rng);
            case "invoice" -> date(rng).toString().replace("-", "");
            case "batch" -> date(rng).toString().replace("-", "") + String.format("%02d", 1 + rng.nextInt(99));
            case "hotline400" -> "400-" + (100 + rng.nextInt(900)) + "-" + String.format("%04d", rng.nextInt(10_000));
            case "cnaps" -> SensitiveValues.pick(CNAPS_BANKS, rng) + SensitiveValues.pick(CNAPS_CITIES, rng)
                    + String.format("%04d", rng.nextInt(10_000)) + rng.nextInt(10);
            case "policy" -> "PA-" + (2019 + rng.nextInt(9)) + "-" + String.format("%06d", rng.nextInt(1_000_000));
            case "contract" -> "HT" + (2019 + rng.nextInt(9)) + "-" + String.format("%05d", rng.nextInt(100_000));
            case "branch" -> "BR-" + String.format("%04d", rng.nextInt(10_000));
            default -> throw new IllegalArgumentException("unknown placeholder {" + name + "}");
        };
    }

    /** {@code 1234567} as {@code 1,234,567}: bank figures are grouped, so no run is longer than three digits. */
    private static String grouped(int value) {
        String digits = Integer.toString(value);
        StringBuilder out = new StringBuilder(digits.length() + 4);
        for (int i = 0; i < digits.length(); i++) {
            if (i > 0 && (digits.length() - i) % 3 == 0) {
                out.append(',');
            }
            out.append(digits.charAt(i));
        }
        return out.toString();
    }

    private static String cents(RandomGenerator rng) {
        return "." + twoDigits(rng.nextInt(100));
    }

    private static String twoDigits(int value) {
        return value < 10 ? "0" + value : Integer.toString(value);
    }

    /** Two dates in order, e.g. a quarter: {@code 2026-01-01 to 2026-03-31}. */
    private static String period(RandomGenerator rng, String between) {
        LocalDate from = date(rng);
        return from + between + from.plusDays(1 + rng.nextInt(120));
    }

    /** Two times of day in order. */
    private static String hours(RandomGenerator rng, String between) {
        int from = 8 * 12 + rng.nextInt(8 * 12);
        int to = from + 1 + rng.nextInt(24);
        return twoDigits(from / 12) + ":" + twoDigits(from % 12 * 5) + between + twoDigits(to / 12) + ":"
                + twoDigits(to % 12 * 5);
    }

    private static LocalDate date(RandomGenerator rng) {
        return LocalDate.of(2024, 1, 1).plusDays(rng.nextInt(4 * 365));
    }
}
