package dev.switchboard.core.internal.state;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Cool-downs of this process, on the injected clock. */
final class LocalCoolDowns implements CoolDowns {
    private final Clock clock;
    private final Map<String, Instant> until = new ConcurrentHashMap<>();

    LocalCoolDowns(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Optional<Instant> until(String backend) {
        Instant t = until.get(backend);
        if (t == null) {
            return Optional.empty();
        }
        if (!t.isAfter(clock.instant())) {
            until.remove(backend, t);
            return Optional.empty();
        }
        return Optional.of(t);
    }

    @Override
    public void coolDown(String backend, Instant end) {
        until.merge(backend, end, (a, b) -> a.isAfter(b) ? a : b);
    }
}
