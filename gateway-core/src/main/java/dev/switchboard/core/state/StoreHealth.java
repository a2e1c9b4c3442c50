package dev.switchboard.core.state;

import java.time.Instant;

/**
 * How the state store is doing, for metrics and {@code /admin/state}.
 *
 * @param store      {@code memory} or {@code redis}
 * @param target     where it is (host and port, never credentials); empty for memory
 * @param up         the last command succeeded and the breaker lets commands through
 * @param breaker    the store breaker's state ({@code closed} for memory)
 * @param lastError  the last failure, or null
 * @param lastErrorAt when it happened, or null
 * @param failures   commands that failed or timed out
 * @param fallbacks  decisions taken by the {@code when-unavailable} policy instead of the store
 * @param leases     leases this process holds (reservations and capacity slots)
 */
public record StoreHealth(String store, String target, boolean up, String breaker, String lastError,
        Instant lastErrorAt, long failures, long fallbacks, int leases) {
}
