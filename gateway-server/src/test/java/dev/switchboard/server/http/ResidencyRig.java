package dev.switchboard.server.http;

import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;

/**
 * A sidecar in front of a recording external model ({@code hosted-100b}, first in every route, so only the
 * compliance policy keeps data inside) and an internal one ({@code inhouse-10b}), under one compliance action.
 */
record ResidencyRig(MockModelServer hosted, MockModelServer inhouse, TestSidecar sidecar) implements AutoCloseable {
    static ResidencyRig start(String action) {
        MockModelServer hosted = MockModelServer.start(MockModelOptions.builder().model("big-model-v3")
                .responseTokens(2).build());
        MockModelServer inhouse = MockModelServer.start(MockModelOptions.builder().model("qwen").responseTokens(2)
                .build());
        GatewaySpec spec = ConfigLoader.withEnv(k -> null).parse("""
                server: { listen: 127.0.0.1:0, admin: 127.0.0.1:0, auth: { mode: open } }
                backends:
                  - { name: hosted-100b, base-url: "%s", model: big-model-v3, residency: external }
                  - { name: inhouse-10b, base-url: "%s", model: qwen, residency: internal }
                routes:
                  - name: chat
                    rules:
                      - use: [hosted-100b, inhouse-10b]
                  - name: embed
                    rules:
                      - use: [hosted-100b, inhouse-10b]
                compliance: { action: %s }
                resilience: { retry: { attempts: 1 } }
                """.formatted(hosted.baseUrl(), inhouse.baseUrl(), action), "residency.yaml");
        return new ResidencyRig(hosted, inhouse, TestSidecar.start(spec));
    }

    @Override
    public void close() {
        sidecar.server().close();
        sidecar.gateway().close();
        hosted.close();
        inhouse.close();
    }
}
