package dev.switchboard.testkit.corpus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The natural text around planted values: ordinary banking sentences (with short figures only, so no filler digit
 * run can be taken for part of a value), the sentences that carry a value, and the phrases that replace a value in
 * the clean twin.
 */
final class Prose {
    private static final List<String> FILLER_EN = List.of(
            "The transfer of {amount} CNY was submitted at {time} on {date}.",
            "Our fixed deposit rate for {deposit_months} months is {pct} this quarter.",
            "Please summarise the overdraft policy in plain language.",
            "Net interest margin fell to {pct} in {quarter} {year}.",
            "The customer asked why a fee of {amount_small} CNY was charged.",
            "Settlement is expected within {n} working days.",
            "Please draft a polite reply and keep it under {n3} words.",
            "The loan of {amount} CNY runs for {months} months at {pct} per year.",
            "Remind them that the cooling-off period is {n} days.",
            "Prepayment requests received before {time} are processed the same day.",
            "The card was reported lost on {date} and a replacement was ordered.",
            "Compliance wants the answer to follow the {year} KYC guidelines.",
            "Use a friendly tone; the customer has banked with us for {n} years.",
            "The exchange rate applied was {fx} {ccy}/CNY.",
            "Explain the difference between a debit card and a credit card.",
            "List three ways to spot a phishing message.",
            "The product {product} has a minimum holding of {amount_int} CNY.",
            "The statement cycle closes on day {day} of each month.",
            "The dispute was opened on {date} and is still pending.",
            "Answer in Chinese if the question is in Chinese.",
            "Do not give investment advice; refer them to a licensed adviser.",
            "The ATM at the {city} branch dispensed {amount_int} CNY less than requested.",
            "Average daily balance last month was {amount} CNY.",
            "Write the answer as a short bullet list.",
            "The complaint was escalated at {time} and is due back by {date}.",
            "Our service desk is staffed from {open} to {close}.",
            "Keep the reply under {n} sentences and avoid jargon.",
            "The mortgage rate resets to LPR plus {bps} basis points.");
    private static final List<String> FILLER_ZH = List.of(
            "客户于{date} {time}提交了一笔{amount}元的转账。",
            "定期存款{deposit_months}个月的年利率为{pct}。",
            "请用通俗的语言解释透支政策。",
            "本季度净息差下降至{pct}。",
            "客户询问为何被收取{amount_small}元手续费。",
            "预计{n}个工作日内完成结算。",
            "贷款金额{amount}元，期限{months}个月，年利率{pct}。",
            "请提醒客户犹豫期为{n}天。",
            "该卡已于{date}挂失，新卡正在制作中。",
            "请参考{year}年反洗钱管理办法作答。",
            "语气要友好，客户已在我行开户{n}年。",
            "当日{ccy}兑人民币汇率为{fx}。",
            "请说明借记卡和信用卡的区别。",
            "请列出三种防范电信诈骗的方法。",
            "理财产品{product_zh}起购金额为{amount_int}元。",
            "账单日为每月{day}日。",
            "争议交易于{date}受理，目前仍在处理中。",
            "不要提供投资建议，请引导客户咨询持牌理财经理。",
            "上月日均余额为{amount}元。",
            "请以要点形式简要回答。",
            "投诉工单已于{time}升级处理。",
            "网点营业时间为工作日{open}至{close}。",
            "{city_zh}分行本月新增贷款{wan}元。",
            "房贷利率为LPR加{bps}个基点。");

    /** Words that say what a value is; an account's are {@link SensitiveValues#ACCOUNT_KEYWORDS}. */
    private static final Map<String, List<String>> LABELS_EN = Map.of(
            SensitiveValues.RESIDENT_ID, List.of("ID number ", "resident ID ", "ID card no. ", "identity card "),
            SensitiveValues.BANK_CARD, List.of("card number ", "card ", "debit card ", "credit card no. "),
            SensitiveValues.MOBILE, List.of("mobile ", "phone ", "mobile number ", "tel. "),
            SensitiveValues.EMAIL, List.of("e-mail ", "email: ", "address "),
            SensitiveValues.PASSPORT, List.of("passport ", "passport no. "),
            SensitiveValues.USCC, List.of("credit code ", "USCC ", "unified social credit code "));
    private static final Map<String, List<String>> LABELS_ZH = Map.of(
            SensitiveValues.RESIDENT_ID, List.of("身份证号", "身份证号码：", "证件号码", "公民身份号码 "),
            SensitiveValues.BANK_CARD, List.of("卡号", "银行卡号：", "信用卡 ", "借记卡号"),
            SensitiveValues.MOBILE, List.of("手机号", "联系电话：", "手机 ", "电话"),
            SensitiveValues.EMAIL, List.of("邮箱", "电子邮箱：", "邮件地址 "),
            SensitiveValues.PASSPORT, List.of("护照号码", "护照号："),
            SensitiveValues.USCC, List.of("统一社会信用代码", "信用代码：", "企业代码 "));

    /**
     * Sentences with a value in them; {@code {x}} is the value with or without its label. Each ends in punctuation,
     * so the next sentence's figures never run on into the value.
     */
    private static final List<String> CARRIERS_EN = List.of("The customer's details: {x}.",
            "Please verify {x} against the core banking record.", "{x} was flagged by the fraud team at {time}.",
            "We received a request about {x} yesterday.", "Can you check whether {x} is linked to the complaint?",
            "Update the record with {x} and confirm.", "Note: {x}.", "{x}.");
    private static final List<String> CARRIERS_ZH = List.of("客户信息：{x}。", "请核实{x}的开户信息。",
            "{x}今天{time}被风控拦截。", "客户提供的{x}与系统记录不一致。", "麻烦查一下{x}名下的业务。", "备注：{x}。", "{x}。");

    private static final List<String> SPLIT_LEADS_EN = List.of("Please check ", "The customer gave ",
            "Record shows ", "Transfer from ", "");
    private static final List<String> SPLIT_LEADS_ZH = List.of("请核对", "客户提供的", "系统记录", "转出", "");
    private static final List<String> SPLIT_ENDS_EN = List.of(" before the cut-off.", ", thanks.",
            " - please confirm.", ".", "");
    private static final List<String> SPLIT_ENDS_ZH = List.of("，谢谢。", "，请尽快处理。", "。", "");

    private static final Map<String, String> CLEAN_EN = Map.of(SensitiveValues.RESIDENT_ID, "the customer's ID",
            SensitiveValues.BANK_CARD, "the customer's card", SensitiveValues.MOBILE, "their mobile number",
            SensitiveValues.EMAIL, "their e-mail address", SensitiveValues.PASSPORT, "their passport",
            SensitiveValues.USCC, "the company's credit code", SensitiveValues.BANK_ACCOUNT, "the account on file");
    private static final Map<String, String> CLEAN_ZH = Map.of(SensitiveValues.RESIDENT_ID, "客户身份证",
            SensitiveValues.BANK_CARD, "客户银行卡", SensitiveValues.MOBILE, "客户手机", SensitiveValues.EMAIL, "客户邮箱",
            SensitiveValues.PASSPORT, "客户护照", SensitiveValues.USCC, "企业信用代码", SensitiveValues.BANK_ACCOUNT, "该账户");

    private Prose() {
    }

    /** One ordinary sentence. */
    static String sentence(RandomGenerator rng, Lang lang) {
        return Placeholders.fill(SensitiveValues.pick(lang == Lang.EN ? FILLER_EN : FILLER_ZH, rng), rng);
    }

    /** {@code min} to {@code max} different ordinary sentences. */
    static List<String> sentences(RandomGenerator rng, Lang lang, int min, int max) {
        List<String> templates = lang == Lang.EN ? FILLER_EN : FILLER_ZH;
        int count = min + rng.nextInt(max - min + 1);
        int[] order = new int[templates.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int j = i + rng.nextInt(order.length - i); // a partial shuffle: no template twice
            int chosen = order[j];
            order[j] = order[i];
            out.add(Placeholders.fill(templates.get(chosen), rng));
        }
        return out;
    }

    /**
     * The words written right before a value: for an account always its keyword (without one a run of digits is
     * no account), else a label about two times in three, else nothing.
     */
    static String label(RandomGenerator rng, Lang lang, String kind) {
        if (kind.equals(SensitiveValues.BANK_ACCOUNT)) {
            return SensitiveValues.accountKeyword(rng);
        }
        if (rng.nextInt(3) == 0) {
            return "";
        }
        return SensitiveValues.pick((lang == Lang.EN ? LABELS_EN : LABELS_ZH).get(kind), rng);
    }

    /** A sentence carrying {@code marker}, labelled or not, at the start, middle or end of the sentence. */
    static String carrier(RandomGenerator rng, Lang lang, String kind, String marker) {
        String template = SensitiveValues.pick(lang == Lang.EN ? CARRIERS_EN : CARRIERS_ZH, rng);
        String labelled = label(rng, lang, kind) + marker;
        // A label opening a sentence gets a capital; an account keyword is kept exactly as it is listed.
        if (template.startsWith("{x}") && lang == Lang.EN && !labelled.startsWith(marker)
                && !kind.equals(SensitiveValues.BANK_ACCOUNT)) {
            labelled = Character.toUpperCase(labelled.charAt(0)) + labelled.substring(1);
        }
        return Placeholders.fill(template.replace("{x}", labelled), rng);
    }

    /** A short field's whole text with a value: the value alone or after its label. */
    static String shortCarrier(RandomGenerator rng, Lang lang, String kind, String marker) {
        return (kind.equals(SensitiveValues.BANK_ACCOUNT) || rng.nextBoolean() ? label(rng, lang, kind) : "") + marker;
    }

    /** Words that end a text right before the first piece of a split value. */
    static String splitLead(RandomGenerator rng, Lang lang, String kind) {
        return SensitiveValues.pick(lang == Lang.EN ? SPLIT_LEADS_EN : SPLIT_LEADS_ZH, rng) + label(rng, lang, kind);
    }

    /** Words that follow the second piece at the start of the next text. */
    static String splitEnd(RandomGenerator rng, Lang lang) {
        return SensitiveValues.pick(lang == Lang.EN ? SPLIT_ENDS_EN : SPLIT_ENDS_ZH, rng);
    }

    /**
     * The words around the pieces of a value split with a gap: before the first piece, after it (ending the first
     * text), and before the second (starting the next). The two gap parts together stay under twenty characters,
     * close enough that a reader joins the pieces.
     */
    static String[] gapWords(RandomGenerator rng, Lang lang, String kind) {
        boolean card = kind.equals(SensitiveValues.BANK_CARD);
        if (lang == Lang.EN) {
            String noun = card ? "Card" : "ID";
            return switch (rng.nextInt(3)) {
                case 0 -> new String[] {noun + " starts ", " and", "ends "};
                case 1 -> new String[] {noun + " first part ", ",", "second part "};
                default -> new String[] {"The " + noun.toLowerCase(java.util.Locale.ROOT) + " begins with ", " ...",
                        "and then "};
            };
        }
        String noun = card ? "卡号" : "身份证号";
        return switch (rng.nextInt(3)) {
            case 0 -> new String[] {noun + "前几位是", "，", "后几位是"};
            case 1 -> new String[] {noun + "前半段", "；", "后半段"};
            default -> new String[] {"客户" + noun + "开头", "，", "接着是"};
        };
    }

    /** What stands in the clean twin where a value (or a split value's first piece) was. */
    static String cleanPhrase(Lang lang, String kind) {
        return (lang == Lang.EN ? CLEAN_EN : CLEAN_ZH).get(kind);
    }

    /** What stands in the clean twin where a split value's second piece was. */
    static String cleanRest(Lang lang) {
        return lang == Lang.EN ? "(rest withheld)" : "（其余略）";
    }

    static String join(Lang lang, List<String> sentences) {
        return String.join(lang.sentenceJoin, sentences);
    }
}
