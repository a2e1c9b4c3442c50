package dev.switchboard.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sidecar's sheds by where they happened — {@code edge} (at the headers, the event loop running late),
 * {@code gateway} (the sidecar's concurrency limit), or a backend's name (that backend's limit) — read from its
 * {@code switchboard_requests_shed_total} on the admin port, so an overload report can say which one shed.
 */
record ShedScopes(Map<String, Long> byScope) {
    private static final Pattern LINE = Pattern.compile(
            "(?m)^switchboard_requests_shed_total\\{[^}]*scope=\"([^\"]*)\"[^}]*\\} (\\S+)$");

    static ShedScopes parse(String metrics) {
        Map<String, Long> by = new TreeMap<>();
        Matcher m = LINE.matcher(metrics);
        while (m.find()) {
            by.merge(m.group(1), (long) Double.parseDouble(m.group(2)), Long::sum);
        }
        return new ShedScopes(Map.copyOf(by));
    }

    /** What the sidecar on {@code adminPort} counts now; none when it cannot be read (the report says so). */
    static ShedScopes read(int adminPort) {
        String metrics = metrics(adminPort);
        return metrics == null ? null : parse(metrics);
    }

    /**
     * One client for every reading, so its connection stays open between them: a new connection, accepted by a sidecar
     * whose traffic has run on open connections for a while, takes paths its JIT then recompiles, on the sidecar's
     * core, at the start of the round after the reading (BENCHMARKS.md section 7). HTTP/1.1 only, so that the first
     * request asks for no upgrade. The client keeps an idle connection for its keep-alive timeout
     * ({@code jdk.httpclient.keepalive.timeout}, 30 s on recent JDKs): readings further apart than that (rounds of
     * 30 s or more) open a new one each, as before.
     */
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** The Prometheus text of the sidecar on {@code adminPort}, or null when it cannot be read. */
    static String metrics(int adminPort) {
        if (adminPort <= 0) {
            return null;
        }
        try {
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + adminPort + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The sheds counted since {@code before}. */
    ShedScopes since(ShedScopes before) {
        Map<String, Long> by = new TreeMap<>();
        byScope.forEach((scope, n) -> {
            long d = n - before.byScope.getOrDefault(scope, 0L);
            if (d != 0) {
                by.put(scope, d);
            }
        });
        return new ShedScopes(Map.copyOf(by));
    }

    /** {@code edge 1,255, the limit 2,839}: the edge first, then the sidecar's limit, then each backend's. */
    String describe() {
        StringBuilder out = new StringBuilder();
        append(out, "edge", byScope.getOrDefault("edge", 0L));
        append(out, "the limit", byScope.getOrDefault("gateway", 0L));
        new TreeMap<>(byScope).forEach((scope, n) -> {
            if (!scope.equals("edge") && !scope.equals("gateway")) {
                append(out, "backend " + scope + "'s limit", n);
            }
        });
        return out.toString();
    }

    /** {@link #describe} of the sheds between two readings, or why there is none. */
    static String between(ShedScopes before, ShedScopes after) {
        return before == null || after == null ? "not read (no admin port)" : after.since(before).describe();
    }

    private static void append(StringBuilder out, String what, long n) {
        out.append(out.length() == 0 ? "" : ", ").append(what).append(' ')
                .append(String.format(Locale.ROOT, "%,d", n));
    }
}
