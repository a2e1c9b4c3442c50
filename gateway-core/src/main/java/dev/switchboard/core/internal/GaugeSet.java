package dev.switchboard.core.internal;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;

/**
 * Gauges whose series follow the config in force — a breaker per backend, an SLO per rule, a budget per tenant. Each
 * {@link #bind} names every series the new config has: a series it keeps reads the new config's value from then on,
 * a new one is registered, and one the config no longer has is removed from the registry (a removed backend's
 * breaker does not linger as a stale 0). Lives as long as the registry, across reloads.
 */
public final class GaugeSet {
    /** One series: a meter name and its tags (the identity), with what it says. */
    public record Series(String name, Tags tags, String description, String baseUnit) {
        public Series {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(tags, "tags");
            Objects.requireNonNull(description, "description");
        }

        public static Series of(String name, String description, String baseUnit, String... tags) {
            return new Series(name, Tags.of(tags), description, baseUnit);
        }

        private Key key() {
            return new Key(name, tags);
        }
    }

    private record Key(String name, Tags tags) {
    }

    private record Live(AtomicReference<DoubleSupplier> value, Meter meter) {
    }

    private final MeterRegistry registry;
    private final Map<Key, Live> live = new HashMap<>();

    public GaugeSet(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Makes exactly these series live, each reading its supplier (which must not block: a scrape calls it). */
    public synchronized void bind(Map<Series, DoubleSupplier> series) {
        Map<Key, Series> wanted = new LinkedHashMap<>();
        series.keySet().forEach(s -> wanted.put(s.key(), s));
        live.entrySet().removeIf(e -> {
            if (wanted.containsKey(e.getKey())) {
                return false;
            }
            registry.remove(e.getValue().meter());
            return true;
        });
        series.forEach((s, supplier) -> {
            Live l = live.get(s.key());
            if (l != null) {
                l.value().set(supplier);
                return;
            }
            AtomicReference<DoubleSupplier> value = new AtomicReference<>(supplier);
            Gauge.Builder<AtomicReference<DoubleSupplier>> b = Gauge.builder(s.name(), value, v -> v.get().getAsDouble())
                    .description(s.description()).tags(s.tags()).strongReference(true);
            if (s.baseUnit() != null) {
                b.baseUnit(s.baseUnit());
            }
            live.put(s.key(), new Live(value, b.register(registry)));
        });
    }
}
