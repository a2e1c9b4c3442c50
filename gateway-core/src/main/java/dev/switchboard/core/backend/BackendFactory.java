package dev.switchboard.core.backend;

import dev.switchboard.core.config.BackendSpec;

/**
 * Makes the {@link Backend} of a configured backend. The library uses OkHttp ({@link #OKHTTP}); the sidecar plugs
 * in a transport on its own Netty event loops.
 */
@FunctionalInterface
public interface BackendFactory {
    BackendFactory OKHTTP = OpenAiBackend::new;

    Backend create(BackendSpec spec, UpstreamHttp http);
}
