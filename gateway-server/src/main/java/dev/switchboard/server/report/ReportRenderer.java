package dev.switchboard.server.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.config.BackendSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A {@link CostReport} as a table, CSV, JSON, or one self-contained HTML page with its charts inline. */
public final class ReportRenderer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CostReport report;

    public ReportRenderer(CostReport report) {
        this.report = report;
    }

    /** The column names, then one row per group and the total, every cell as text. */
    List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        List<String> header = new ArrayList<>();
        report.by().forEach(b -> header.add(b.name().toLowerCase(Locale.ROOT)));
        header.addAll(List.of("requests", "errors", "prompt tokens", "completion tokens", "spend"));
        for (BackendSpec b : report.comparisons()) {
            header.add("if all on " + b.name());
        }
        header.addAll(List.of("cache hits", "cache saved", "kept internal", "masked", "blocked", "SLO met"));
        rows.add(header);
        report.groups().forEach((key, f) -> rows.add(row(key, f)));
        List<String> totalKey = new ArrayList<>();
        for (int i = 0; i < report.by().size(); i++) {
            totalKey.add(i == 0 ? "total" : "");
        }
        rows.add(row(totalKey, report.total()));
        return rows;
    }

    private List<String> row(List<String> key, CostReport.Figures f) {
        List<String> row = new ArrayList<>(key);
        row.add(Long.toString(f.requests));
        row.add(Long.toString(f.errors));
        row.add(Long.toString(f.promptTokens));
        row.add(Long.toString(f.completionTokens));
        row.add(money(f.spend));
        for (BackendSpec b : report.comparisons()) {
            row.add(money(f.ifAllOn.getOrDefault(b.name(), 0.0)));
        }
        row.add(Long.toString(f.cacheHits));
        row.add(money(f.cacheSavings));
        row.add(percent(f.keptInternal, f.requests));
        row.add(percent(f.masked, f.requests));
        row.add(Long.toString(f.blocked));
        row.add(f.sloJudged == 0 ? "-" : percent(f.sloMet, f.sloJudged) + " of " + f.sloJudged);
        return row;
    }

    private static String money(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String percent(long n, long of) {
        return of == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", 100.0 * n / of);
    }

    public String table() {
        List<List<String>> rows = rows();
        int[] widths = new int[rows.get(0).size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder(header());
        for (int r = 0; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            for (int i = 0; i < row.size(); i++) {
                boolean text = i < report.by().size();
                sb.append(i == 0 ? "" : "  ").append(text ? String.format("%-" + widths[i] + "s", row.get(i))
                        : String.format("%" + widths[i] + "s", row.get(i)));
            }
            sb.append('\n');
            if (r == 0 || r == rows.size() - 2) {
                sb.append("-".repeat(java.util.Arrays.stream(widths).sum() + 2 * (widths.length - 1))).append('\n');
            }
        }
        return sb.toString();
    }

    private String header() {
        return String.format(Locale.ROOT, "Cost and benefit, %s to %s, amounts in %s%s%n%n",
                report.first() == null ? "-" : report.first(), report.last() == null ? "-" : report.last(),
                report.currency(), report.skipped() > 0 ? " (" + report.skipped() + " lines that are not audit "
                        + "records left out)" : "");
    }

    public String csv() {
        StringBuilder sb = new StringBuilder();
        for (List<String> row : rows()) {
            sb.append(String.join(",", row.stream().map(ReportRenderer::csvCell).toList())).append('\n');
        }
        return sb.toString();
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    public String json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("from", report.first() == null ? null : report.first().toString());
        root.put("to", report.last() == null ? null : report.last().toString());
        root.put("currency", report.currency());
        root.put("skipped_lines", report.skipped());
        ArrayNode by = root.putArray("by");
        report.by().forEach(b -> by.add(b.name().toLowerCase(Locale.ROOT)));
        ArrayNode groups = root.putArray("groups");
        report.groups().forEach((key, f) -> {
            ObjectNode g = figures(f);
            ObjectNode k = JSON.createObjectNode();
            for (int i = 0; i < key.size(); i++) {
                k.put(report.by().get(i).name().toLowerCase(Locale.ROOT), key.get(i));
            }
            g.set("group", k);
            groups.add(g);
        });
        root.set("total", figures(report.total()));
        return root.toPrettyString() + "\n";
    }

    private ObjectNode figures(CostReport.Figures f) {
        ObjectNode o = JSON.createObjectNode();
        o.put("requests", f.requests).put("errors", f.errors).put("requests_with_usage", f.withUsage)
                .put("prompt_tokens", f.promptTokens).put("completion_tokens", f.completionTokens)
                .put("spend", round(f.spend));
        ObjectNode ifAll = o.putObject("if_all_on");
        for (BackendSpec b : report.comparisons()) {
            ifAll.put(b.name(), round(f.ifAllOn.getOrDefault(b.name(), 0.0)));
        }
        o.put("cache_hits", f.cacheHits).put("cache_saved", round(f.cacheSavings))
                .put("kept_internal", f.keptInternal).put("masked", f.masked).put("blocked", f.blocked)
                .put("slo_judged", f.sloJudged).put("slo_met", f.sloMet);
        return o;
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    /** One HTML file: the table, and bars of spend against each "all on" cost, internal share and SLO per group. */
    public String html() {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Switchboard cost and "
                + "benefit</title><style>body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d232b}"
                + "table{border-collapse:collapse;margin:12px 0}td,th{border-bottom:1px solid #d9dee5;padding:4px 10px;"
                + "text-align:right}th{background:#f0f2f5;font-size:12px}td.k,th.k{text-align:left}"
                + ".bar{fill:#2f6fb0}.alt{fill:#c2571a}.ok{fill:#2c8c6e}text{font-size:11px;fill:#1d232b}"
                + "h2{margin-top:28px}</style></head><body>");
        sb.append("<h1>Cost and benefit</h1><p>").append(escape(header().trim())).append("</p>");
        List<List<String>> rows = rows();
        sb.append("<table><thead><tr>");
        for (int i = 0; i < rows.get(0).size(); i++) {
            sb.append(i < report.by().size() ? "<th class=\"k\">" : "<th>").append(escape(rows.get(0).get(i)))
                    .append("</th>");
        }
        sb.append("</tr></thead><tbody>");
        for (List<String> row : rows.subList(1, rows.size())) {
            sb.append("<tr>");
            for (int i = 0; i < row.size(); i++) {
                sb.append(i < report.by().size() ? "<td class=\"k\">" : "<td>").append(escape(row.get(i)))
                        .append("</td>");
            }
            sb.append("</tr>");
        }
        sb.append("</tbody></table>");
        // Spend against what the same traffic would have cost on each backend alone.
        sb.append("<h2>Spend, and the same traffic on one backend alone</h2>");
        List<String> labels = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        List<String> series = new ArrayList<>(List.of("spent"));
        report.comparisons().forEach(b -> series.add("all on " + b.name()));
        report.groups().forEach((key, f) -> {
            labels.add(String.join(" / ", key));
            double[] v = new double[series.size()];
            v[0] = f.spend;
            for (int i = 0; i < report.comparisons().size(); i++) {
                v[i + 1] = f.ifAllOn.getOrDefault(report.comparisons().get(i).name(), 0.0);
            }
            values.add(v);
        });
        sb.append(bars(labels, series, values, "%.4f"));
        sb.append("<h2>Kept internal for compliance, and SLO met</h2>");
        List<double[]> shares = new ArrayList<>();
        report.groups().forEach((key, f) -> shares.add(new double[] {
            f.requests == 0 ? 0 : 100.0 * f.keptInternal / f.requests,
            f.sloJudged == 0 ? 0 : 100.0 * f.sloMet / f.sloJudged}));
        sb.append(bars(labels, List.of("kept internal %", "SLO met %"), shares, "%.1f"));
        sb.append("</body></html>\n");
        return sb.toString();
    }

    /** Horizontal grouped bars as inline SVG. */
    private static String bars(List<String> labels, List<String> series, List<double[]> values, String format) {
        double max = 1e-9;
        for (double[] v : values) {
            for (double x : v) {
                max = Math.max(max, x);
            }
        }
        int rowHeight = 14;
        int groupHeight = rowHeight * series.size() + 10;
        int width = 720;
        int labelWidth = 220;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" role=\"img\">", width,
                groupHeight * Math.max(1, labels.size()) + 20));
        String[] classes = {"bar", "alt", "ok"};
        for (int g = 0; g < labels.size(); g++) {
            int y0 = g * groupHeight;
            sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"%d\">%s</text>", y0 + rowHeight,
                    escape(labels.get(g))));
            for (int s = 0; s < series.size(); s++) {
                double v = values.get(g)[s];
                int w = (int) Math.round((width - labelWidth - 120) * v / max);
                int y = y0 + s * rowHeight;
                sb.append(String.format(Locale.ROOT, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" "
                        + "height=\"%d\"><title>%s</title></rect>", classes[s % classes.length], labelWidth, y, w,
                        rowHeight - 3, escape(series.get(s))));
                sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s %s</text>", labelWidth + w + 4,
                        y + rowHeight - 4, String.format(Locale.ROOT, format, v), escape(series.get(s))));
            }
        }
        sb.append("</svg>");
        return sb.toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** The groups' keys, for tests. */
    Map<List<String>, CostReport.Figures> groups() {
        return report.groups();
    }
}
