package dev.switchboard.core.internal.budget;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.Scheduler;
import dev.switchboard.core.budget.TenantBudget;
import dev.switchboard.core.config.AlertsSpec;
import dev.switchboard.core.config.BudgetSpec;
import dev.switchboard.core.internal.GatewayMetrics;
import dev.switchboard.core.internal.RandomIds;
import dev.switchboard.core.internal.state.BudgetStore;
import dev.switchboard.core.internal.state.StateStore;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerts before the wall: every {@link #EVERY}, each budget's settled spend is compared with its {@code alerts}
 * thresholds (50%, 80%, 100% ...) for the current day and month; a threshold crossed fires once per period — a log
 * line, {@code switchboard_budget_alerts_total}, and the webhook when one is configured. "Once" holds across
 * sidecars: the first to claim the alert in the state store sends it ({@link StateStore#claimOnce}). The webhook
 * gets a JSON body signed with HMAC-SHA256 ({@code x-switchboard-signature: sha256=HEX} over
 * {@code TIMESTAMP.BODY}, the timestamp in {@code x-switchboard-timestamp}) and is retried with back-off while it
 * answers with an error or not at all. Checks and retries run on the injected scheduler and clock.
 */
public final class BudgetAlerts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BudgetAlerts.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How often budgets are looked at. */
    public static final Duration EVERY = Duration.ofSeconds(5);
    private static final Duration CLAIM_FOR = Duration.ofDays(40); // past the longest period

    private final Map<String, BudgetSpec> budgets;
    private final BudgetStore store;
    private final StateStore claims;
    private final AlertsSpec.Webhook webhook;
    private final Clock clock;
    private final Scheduler scheduler;
    private final GatewayMetrics metrics;
    private final HttpClient http;
    private volatile boolean closed;
    private volatile Scheduler.Cancellable next;

    public BudgetAlerts(List<BudgetSpec> budgets, BudgetStore store, StateStore claims, AlertsSpec alerts,
            Clock clock, Scheduler scheduler, GatewayMetrics metrics) {
        this.budgets = budgets.stream().filter(b -> !b.alerts().isEmpty())
                .collect(java.util.stream.Collectors.toMap(BudgetSpec::tenant, Function.identity()));
        this.store = store;
        this.claims = claims;
        this.webhook = alerts.webhook();
        this.clock = clock;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.http = webhook == null ? null : HttpClient.newBuilder().connectTimeout(webhook.timeout()).build();
    }

    /** Whether any budget has thresholds (otherwise nothing is watched). */
    public boolean watching() {
        return !budgets.isEmpty();
    }

    /** Looks now, then every {@link #EVERY}. */
    public void start() {
        if (watching()) {
            check().whenComplete((ok, error) -> rearm());
        }
    }

    private void rearm() {
        if (!closed) {
            next = scheduler.after(EVERY, () -> check().whenComplete((ok, error) -> rearm()));
            if (closed) {
                next.cancel(); // closed while it was being scheduled
            }
        }
    }

    /** One look at every budget with thresholds; completes when every alert it fired has been claimed. */
    public CompletableFuture<Void> check() {
        if (closed) {
            return CompletableFuture.completedFuture(null); // a reload's successor looks from now on
        }
        return store.snapshot().thenCompose(list -> {
            List<CompletableFuture<Void>> fired = new java.util.ArrayList<>();
            for (TenantBudget t : list) {
                BudgetSpec spec = budgets.get(t.tenant());
                if (spec == null) {
                    continue;
                }
                if (t.dailyLimit() != null) {
                    fired.addAll(crossed(spec, t, "day", t.day(), t.spentToday(), t.dailyLimit()));
                }
                if (t.weeklyLimit() != null) {
                    fired.addAll(crossed(spec, t, "week", t.week(), t.spentThisWeek(), t.weeklyLimit()));
                }
                if (t.monthlyLimit() != null) {
                    fired.addAll(crossed(spec, t, "month", t.day().withDayOfMonth(1), t.spentThisMonth(),
                            t.monthlyLimit()));
                }
            }
            return CompletableFuture.allOf(fired.toArray(CompletableFuture[]::new));
        }).exceptionally(e -> {
            log.debug("budget alerts: the budgets could not be read ({}); next look in {}", e.toString(), EVERY);
            return null;
        });
    }

    private List<CompletableFuture<Void>> crossed(BudgetSpec spec, TenantBudget t, String period, LocalDate start,
            BigDecimal spent, BigDecimal limit) {
        List<CompletableFuture<Void>> out = new java.util.ArrayList<>();
        if (limit.signum() <= 0) {
            return out;
        }
        double share = spent.divide(limit, 6, RoundingMode.HALF_UP).doubleValue();
        for (double threshold : spec.alerts()) {
            if (share + 1e-9 < threshold) {
                break; // ascending
            }
            String key = "budget-alert:" + t.tenant() + ":" + period + ":" + start + ":" + threshold;
            if (closed) {
                break;
            }
            out.add(claims.claimOnce(key, CLAIM_FOR).thenAccept(first -> {
                if (first) {
                    fire(t, period, start, threshold, spent, limit);
                }
            }).exceptionally(e -> {
                log.warn("budget alerts: the state store could not say whether {} fired ({}); it is looked at "
                        + "again in {}", key, e.toString(), EVERY);
                return null;
            }));
        }
        return out;
    }

    private void fire(TenantBudget t, String period, LocalDate start, double threshold, BigDecimal spent,
            BigDecimal limit) {
        String percent = Math.round(threshold * 100) + "%";
        log.warn("budget alert: tenant {} has spent {} {} of its {} {} {} budget (the {} threshold; period from {})",
                t.tenant(), spent.stripTrailingZeros().toPlainString(), t.currency(),
                limit.stripTrailingZeros().toPlainString(), t.currency(), period, percent, start);
        metrics.budgetAlert(t.tenant(), period, percent);
        if (webhook == null) {
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("id", RandomIds.next("alert_"));
        body.put("type", "budget.threshold");
        body.put("tenant", t.tenant());
        body.put("period", period);
        body.put("period_start", start.toString());
        body.put("threshold", threshold);
        body.put("spent", spent);
        body.put("limit", limit);
        body.put("currency", t.currency());
        body.put("exhausted", t.exhausted());
        body.put("when_exhausted", t.whenExhausted().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        body.put("at", clock.instant().toString());
        send(body.toString(), 1);
    }

    /** One attempt; on failure the next after 1 s, 2 s, 4 s ... (at most a minute), up to the configured attempts. */
    private void send(String body, int attempt) {
        // Deliveries under way go on after close (a reload): the alert was claimed, and only this one sends it.
        String timestamp = Long.toString(clock.instant().getEpochSecond());
        HttpRequest request = HttpRequest.newBuilder(webhook.url()).timeout(webhook.timeout())
                .header("content-type", "application/json")
                .header("user-agent", "switchboard-budget-alerts")
                .header("x-switchboard-timestamp", timestamp)
                .header("x-switchboard-signature", "sha256=" + sign(timestamp + "." + body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) -> {
            if (error == null && response.statusCode() / 100 == 2) {
                return;
            }
            String why = error != null ? error.getClass().getSimpleName() : "HTTP " + response.statusCode();
            if (attempt >= webhook.attempts()) {
                log.error("budget alert webhook: gave up after {} attempts ({})", attempt, why);
                return;
            }
            Duration wait = Duration.ofSeconds(Math.min(60, 1L << Math.min(6, attempt - 1)));
            log.warn("budget alert webhook: attempt {} failed ({}); again in {} s", attempt, why, wait.toSeconds());
            scheduler.after(wait, () -> send(body, attempt + 1));
        });
    }

    private String sign(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(webhook.secret().reveal().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        Scheduler.Cancellable n = next;
        if (n != null) {
            n.cancel();
        }
    }
}
