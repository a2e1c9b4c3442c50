package dev.switchboard.core.internal.backend;

import dev.switchboard.core.backend.Backend;
import dev.switchboard.core.backend.BackendFactory;
import dev.switchboard.core.backend.UpstreamHttp;
import dev.switchboard.core.config.BackendSpec;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.core.internal.resilience.BackendBreaker;
import dev.switchboard.core.internal.state.StateStore;
import dev.switchboard.core.internal.stats.BackendStats;
import dev.switchboard.core.resilience.BreakerTransition;
import java.time.Clock;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The backends of one config, by name. A reload builds a new registry from the old one: a backend whose config did
 * not change keeps its runtime (statistics, breaker, capacity) and is only guarded again under the new detectors;
 * a new or changed one gets a fresh runtime. What reads backends — routing signals, admission, the admin API,
 * metrics — reads them here.
 */
public final class BackendRegistry {
    /** Told of every breaker state change: which backend, and the change. */
    public interface BreakerListener {
        void onTransition(String backend, BreakerTransition transition);
    }

    private final Map<String, BackendRuntime> runtimes;

    private BackendRegistry(Map<String, BackendRuntime> runtimes) {
        this.runtimes = Collections.unmodifiableMap(runtimes);
    }

    /**
     * The registry of {@code spec}'s backends.
     *
     * @param previous the registry in force before a reload, or null
     * @param guard    puts a transport behind the egress guard when its config says it is external (and checks
     *                 that the factory did not re-describe it)
     */
    public static BackendRegistry build(GatewaySpec spec, BackendRegistry previous, BackendFactory factory,
            UpstreamHttp http, StateStore state, Clock clock, java.util.function.LongSupplier ticker,
            UnaryOperator<Backend> guard, BreakerListener breakers) {
        Map<String, BackendRuntime> map = new LinkedHashMap<>();
        for (BackendSpec b : spec.backends()) {
            BackendRuntime kept = previous == null ? null : previous.runtimes.get(b.name());
            if (kept != null && kept.spec().equals(b)) {
                map.put(b.name(), new BackendRuntime(guard.apply(unguarded(kept.backend())), kept.stats(),
                        kept.breaker(), kept.capacity(), kept.limit()));
                continue;
            }
            BackendStats stats = new BackendStats(b.name(), b.limits().maxConcurrency(), clock);
            Consumer<BreakerTransition> onTransition = t -> breakers.onTransition(b.name(), t);
            map.put(b.name(), new BackendRuntime(guard.apply(factory.create(b, http)), stats,
                    new BackendBreaker(b.name(), b.breaker(), clock, onTransition), state.capacity(b, stats),
                    dev.switchboard.core.internal.overload.ConcurrencyLimit.of(b.name(), b.overload(), ticker)));
        }
        return new BackendRegistry(map);
    }

    private static Backend unguarded(Backend b) {
        return b instanceof GuardedBackend g ? g.transport() : b;
    }

    /** The backend of that name, or null. */
    public BackendRuntime get(String name) {
        return runtimes.get(name);
    }

    /** Every backend, in config order. */
    public Collection<BackendRuntime> all() {
        return runtimes.values();
    }
}
