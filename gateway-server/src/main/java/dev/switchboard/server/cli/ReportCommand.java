package dev.switchboard.server.cli;

import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.server.report.CostReport;
import dev.switchboard.server.report.ReportRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The cost-benefit report: the audit log, read against the prices and objectives of a config. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Spend, tokens, what the same traffic would have cost on each backend alone, cache savings, "
                + "the share kept internal and SLO attainment, from an audit log.")
final class ReportCommand implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "The config that priced the traffic.")
    Path config;

    @Option(names = "--audit", required = true, split = ",",
            description = "Audit log files (audit.path and its rotated files), comma-separated or repeated.")
    List<Path> audit;

    @Option(names = "--from", description = "First day (or instant) counted, e.g. 2026-12-01.")
    String from;

    @Option(names = "--to", description = "Last day counted (inclusive), or an instant (exclusive).")
    String to;

    @Option(names = "--by", split = ",", defaultValue = "tenant",
            description = "Group by any of: tenant, route, backend, day (default: ${DEFAULT-VALUE}).")
    List<String> by;

    @Option(names = "--zone", defaultValue = "UTC", description = "Where days begin (default: ${DEFAULT-VALUE}).")
    String zone;

    @Option(names = "--format", defaultValue = "table", description = "table, csv, json or html (default: "
            + "${DEFAULT-VALUE}).")
    String format;

    @Option(names = {"-o", "--out"}, description = "Write to this file instead of standard output.")
    Path out;

    @Override
    public Integer call() throws Exception {
        GatewaySpec spec;
        try {
            spec = ConfigLoader.withEnv(k -> "").load(config); // prices and rules only: no secret is needed
        } catch (ConfigException e) {
            ValidateCommand.printErrors(config, e);
            return 1;
        }
        ZoneId z;
        List<CostReport.By> groups = new ArrayList<>();
        Instant start;
        Instant end;
        try {
            z = ZoneId.of(zone);
            for (String b : by) {
                groups.add(CostReport.By.of(b));
            }
            start = from == null ? null : instant(from, z, false);
            end = to == null ? null : instant(to, z, true);
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            System.err.println("report: " + e.getMessage() + " (--by takes tenant, route, backend, day; --from/--to "
                    + "a date such as 2026-12-01 or an instant)");
            return 2;
        }
        if (!List.of("table", "csv", "json", "html").contains(format)) {
            System.err.println("--format " + format + ": expected table, csv, json or html");
            return 2;
        }
        CostReport report = new CostReport(spec, groups, z);
        for (Path file : audit) {
            if (!Files.isReadable(file)) {
                System.err.println("report: cannot read the audit log " + file);
                return 1;
            }
            report.read(file, start, end);
        }
        ReportRenderer r = new ReportRenderer(report);
        String text = switch (format) {
            case "csv" -> r.csv();
            case "json" -> r.json();
            case "html" -> r.html();
            default -> r.table();
        };
        if (out == null) {
            System.out.print(text);
        } else {
            Files.writeString(out, text);
            System.err.println("report written to " + out);
        }
        return 0;
    }

    /** A date is its day's start (or, for the end, the next day's start: the day is included). */
    private static Instant instant(String s, ZoneId zone, boolean end) {
        if (s.length() == 10) {
            LocalDate d = LocalDate.parse(s);
            return (end ? d.plusDays(1) : d).atStartOfDay(zone).toInstant();
        }
        return Instant.parse(s);
    }
}
