package dev.switchboard.testkit.corpus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Ordinary prompts a bank's staff or apps send, with no customer data in them: the traffic a detector must let
 * through. They are deliberately full of figures that look like identifiers to a careless detector (amounts,
 * dates, ranges, invoice and batch numbers, CNAPS and SWIFT codes, postal codes, hotlines, extensions, a card's
 * last four digits, tables and code), so they measure false positives where it hurts.
 */
public final class BankingPrompts {
    private static final List<String> TEMPLATES = List.of(
            // English
            "Summarise the {quarter} {year} results for the board: net interest margin {pct}, cost-income ratio "
                    + "{pct}, NPL ratio {pct}, provision coverage {n3}%. Keep it to five bullet points.",
            "Calculate the monthly repayment for a {amount} CNY mortgage over {months} months at {rate}% per year "
                    + "(equal instalments). Show the formula.",
            "Draft a note to the {city} branch manager: the teller system will be down for maintenance on {date} "
                    + "from {time} for {n} hours. Staff should direct urgent queries to ext. {ext}.",
            "Explain in plain English what {regulation} means for the {product} data retention policy, which keeps "
                    + "records for {n} years after closure.",
            "Convert {ccy} {amount} to CNY at {fx} and add a {bps} bps spread. Round to two decimals.",
            """
                    Compare these two deposit products:
                    | Product | Tenor | Rate | Minimum |
                    |---|---|---|---|
                    | {product} | {deposit_months} months | {pct} | {amount_int} CNY |
                    | {product} | {deposit_months} months | {pct} | {amount_int} CNY |
                    Which suits a customer who may need the money within a year?""",
            "Explain field 57A of an MT103 for beneficiary bank BIC {bic}, value date {date}, amount {ccy} {amount}.",
            "Our FX desk quoted {ccy}/CNY {fx} at {time}. The client sells {ccy} {amount}. What is the CNY amount, "
                    + "and the P&L against a mid of {fx}?",
            "List the documents a small business needs to open a corporate account at our {city} branch. Opening "
                    + "hours are {open}-{close}, Monday to Friday.",
            "Reconcile invoice {invoice}: billed {amount} CNY, paid {amount} CNY on {date}. What is the difference "
                    + "and what should the note to the supplier say?",
            "A card ending {card_tail} was declined {n} times between {hours} on {date}. Suggest likely "
                    + "reasons and next steps for the call-centre agent.",
            "Translate into Chinese: 'Your fixed deposit of {amount} CNY matures on {date}. The renewal rate is "
                    + "{pct} for {deposit_months} months.'",
            """
                    Write a Python function for the annuity payment given principal, annual rate and tenor in months.
                    Test it with:
                    ```python
                    payment(principal={principal}, annual_rate={rate}, months={months})
                    ```""",
            "Draft the agenda for the ALCO meeting on {date} at {time}: liquidity coverage ratio {n3}%, net stable "
                    + "funding ratio {n3}%, deposit growth {pct} quarter on quarter.",
            "Our hotline {hotline} took {count} calls in {quarter}; average handling time was {n} minutes. Write a "
                    + "two-paragraph summary for the service committee.",
            """
                    Check this SQL for errors:
                    ```sql
                    SELECT branch_code, SUM(amount) FROM txn
                    WHERE txn_date BETWEEN '{date}' AND '{date}' AND amount > {n3}00
                    GROUP BY branch_code;
                    ```""",
            "Explain the difference between LPR-linked and fixed-rate mortgages when the 5-year LPR is {rate}%, "
                    + "the spread is {bps} bps and the balance is {amount} CNY.",
            "Prepare talking points for the {product} launch on {date}: target volume {amount} CNY, {count} "
                    + "customers, fee {pct}.",
            "Policy {policy} was issued on {date} with a sum insured of {amount} CNY. What happens if the premium "
                    + "due on {date} is paid {n} days late?",
            "Contract {contract}: the facility limit is {amount} CNY and {amount} CNY was drawn on {date}. Calculate "
                    + "the commitment fee at {bps} bps per year on the undrawn part for {n} days.",
            "What is a CNAPS code used for? Our head office code is {cnaps}; explain to a new hire when they need it.",
            "Write a customer notice: our hotline {hotline400} is open {open}-{close} during the Spring Festival, "
                    + "{period}.",
            "Generate a test plan for mobile banking release {version}: {n} regression cases, {n} performance "
                    + "tests, go-live {date} {time}.",
            "Server {ip} logged {count} failed logins between {hours}. Draft an incident summary for "
                    + "the security team.",
            "Summarise how {stock} did in {year}: it closed at {rate} CNY, up {pct}, with a dividend yield of {pct}.",
            "The credit score cut-off for {product} is {score}. The applicant scored {score}. Explain the decision "
                    + "politely.",
            """
                    Please format this as a markdown table:
                    1. {city}: deposits {amount} CNY, loans {amount} CNY
                    2. {city}: deposits {amount} CNY, loans {amount} CNY
                    3. {city}: deposits {amount} CNY, loans {amount} CNY""",
            "Compute the effective annual rate for a nominal {rate}% compounded monthly, and for {rate}% "
                    + "compounded quarterly.",
            "A wire to {bic} for {ccy} {amount} left on {date} with batch reference {batch} and has not arrived "
                    + "after {n} days. What should the investigation request contain?",
            "Complaints go to P.O. Box {n3}, postal code {postal}, or ext. {ext}. Write the 'How to complain' "
                    + "paragraph for the website.",
            "Write a JSON schema for a loan application: amount (at most {principal}), tenor_months (one of 12, "
                    + "24, 36), purpose (string).",
            "Explain IFRS 9 stage 2 triggers; our portfolio has {count} loans, {pct} of them more than 30 days past "
                    + "due as of {date}.",
            "Rewrite this for a customer: 'Pursuant to clause {n}.{n} of agreement {contract}, the rate resets on "
                    + "{date} to LPR + {bps} bps.'",
            "Build a repayment schedule for {amount} CNY at {rate}% over 12 months: month, payment, interest and "
                    + "principal in a table.",
            "Report the period {period}: {count} new accounts, {count} closed, net deposit inflow {amount} "
                    + "CNY, branch {branch} best performer.",
            // Chinese
            "请根据以下信息起草一份反洗钱可疑交易报告：交易金额 {amount} 元，时间 {date} {time}，交易渠道为手机银行，对手行 SWIFT 代码 {bic}。",
            "请计算：贷款本金{amount}元，年利率{rate}%，期限{months}个月，等额本息每月还款额是多少？请列出公式。",
            "总结{year}年{quarter_zh}经营情况：净息差{pct}，成本收入比{pct}，不良贷款率{pct}，拨备覆盖率{n3}%。",
            "请解释{regulation}对{product_zh}客户信息保护的主要要求，并给出{n}条落地建议。",
            "{city_zh}分行将于{date_zh}{time}进行系统升级，预计持续{n}小时，请起草一份客户公告。",
            """
                    请把以下数据整理成表格：
                    1. {city_zh}分行：存款{wan}元，贷款{wan}元
                    2. {city_zh}分行：存款{wan}元，贷款{wan}元
                    3. {city_zh}分行：存款{wan}元，贷款{wan}元""",
            "尾号{card_tail}的信用卡在{date} {time}被拒绝交易{n}次，请分析可能原因并给出客服话术。",
            "发票号{invoice}：应付{amount}元，实付{amount}元，请说明差额并起草给供应商的说明函。",
            "理财产品{product_zh}业绩比较基准为{pct}-{pct}，期限{months}天，起购金额{amount_int}元，请写一段风险提示。",
            "请把下面这段话翻译成英文：“您的定期存款{amount}元将于{date_zh}到期，续存利率为{pct}。”",
            "保单号{policy}的保额为{amount}元，保费应于{date}缴纳，如逾期{n}天会有什么影响？",
            "合同编号{contract}，授信额度{amount}元，{date}已提款{amount}元，请按年化{bps}个基点计算{n}天的承诺费。",
            "我行总行联行号为{cnaps}，请向新员工解释联行号的用途。",
            "客服热线{hotline}在{quarter_zh}共接听{count}通电话，平均处理时长{n}分钟，请写一段服务质量分析。",
            "春节期间（{period_zh}）客服热线{hotline400}服务时间调整为{open}-{close}，请起草通知。",
            """
                    请检查下面的 SQL 是否有错误：
                    ```sql
                    SELECT branch_code, SUM(amount) FROM txn WHERE txn_date >= '{date}' AND amount > {n3}00
                    GROUP BY branch_code;
                    ```""",
            "外汇牌价：{ccy}/CNY {fx}，客户卖出{ccy} {amount}，请计算可兑换人民币金额。",
            "5年期LPR为{rate}%，客户加点{bps}个基点，贷款余额{amount}元，请比较固定利率和LPR浮动利率的差异。",
            "请为手机银行{version}版本制定测试计划：回归用例{n}个，性能测试{n}项，计划上线时间{date_zh}{time}。",
            "服务器{ip}在{hours_zh}之间记录到{count}次登录失败，请起草安全事件简报。",
            "{stock}在{year}年收盘价{rate}元，全年涨幅{pct}，股息率{pct}，请写一段点评。",
            "{product_zh}的信用评分准入线为{score}分，申请人得分{score}分，申请金额{amount_int}元，请礼貌地解释审批结果。",
            "投诉信函请寄至本行客服中心，邮政编码{postal}，信箱{n3}号，分机{ext}，请写一段网站上的“投诉渠道”说明。",
            "请计算名义年利率{rate}%按月复利和按季复利的实际年利率，本金{amount}元。",
            "截至{date}，我行贷款共{count}笔，其中逾期30天以上占{pct}，请解释IFRS 9第二阶段的判定标准。",
            "请将以下条款改写成客户易懂的语言：“根据合同{contract}第{n}条，利率将于{date_zh}重定价为LPR加{bps}个基点。”",
            """
                    请编写一个 Java 方法计算等额本金还款计划，并用下面的参数测试：
                    ```java
                    schedule({principal}, {rate}, {months});
                    ```""",
            "汇款已于{date}发往{bic}，金额{ccy} {amount}，批次号{batch}，{n}天后仍未到账，查询报文应包含哪些内容？",
            "请根据{regulation}梳理{city_zh}分行数据出境安全评估的流程，用1. 2. 3. 列出，{date_zh}前完成。",
            "{city_zh}分行{quarter_zh}新增个人住房贷款{wan}元，同比增长{pct}，请写一段简报。",
            "网点营业时间为工作日{open}-{close}，周末{open}-{close}，网点编号{branch}，请生成一段门店公告。",
            "统计区间{period_zh}：新开户{count}户，销户{count}户，存款净流入{amount}元，请写一段分析。");

    private static final Pattern BLANK_LINES = Pattern.compile("\\R(?:[ \\t]*\\R)+");

    private BankingPrompts() {
    }

    /**
     * {@code count} prompts, the same for the same seed. Templates are used in shuffled rounds, so every template
     * appears once per {@link #templateCount()} prompts.
     */
    public static List<String> generate(long seed, int count) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> out = new ArrayList<>(count);
        int[] order = new int[TEMPLATES.size()];
        for (int i = 0; i < count; i++) {
            int round = i % order.length;
            if (round == 0) {
                shuffle(order, rng);
            }
            out.add(Placeholders.fill(TEMPLATES.get(order[round]), rng));
        }
        return out;
    }

    /** How many templates there are. */
    public static int templateCount() {
        return TEMPLATES.size();
    }

    /**
     * The paragraphs (blank-line separated, trimmed) of {@code root/README.md} and every {@code *.md} under
     * {@code root/docs}, files in path order: the project's own prose, for measuring false positives on text
     * nobody would call customer data.
     */
    public static List<String> docParagraphs(Path root) {
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(root.resolve("README.md"))) {
            files.add(root.resolve("README.md"));
        }
        Path docs = root.resolve("docs");
        if (Files.isDirectory(docs)) {
            try (Stream<Path> walk = Files.walk(docs)) {
                walk.filter(p -> p.toString().endsWith(".md") && Files.isRegularFile(p)).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<String> paragraphs = new ArrayList<>();
        for (Path file : files) {
            try {
                Arrays.stream(BLANK_LINES.split(Files.readString(file))).map(String::strip)
                        .filter(p -> !p.isEmpty()).forEach(paragraphs::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return paragraphs;
    }

    private static void shuffle(int[] order, SplittableRandom rng) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
