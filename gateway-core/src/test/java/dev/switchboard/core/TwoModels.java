package dev.switchboard.core;

import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fixture most gateway tests share: a simulated hosted model ({@code big}) and an in-house one ({@code small})
 * on real ports, and a gateway over a config written for them. Closing it closes all three.
 */
public final class TwoModels implements AutoCloseable {
    public final MockModelServer hosted;
    public final MockModelServer inhouse;
    private Gateway gateway;

    public TwoModels(int responseTokens) {
        hosted = MockModelServer.start(MockModelOptions.builder().model("big").responseTokens(responseTokens).build());
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").responseTokens(responseTokens)
                .build());
    }

    /** Writes {@code yaml} (with {@code %1$s} for the hosted URL and {@code %2$s} for the in-house one) and opens it. */
    public Gateway gateway(Path dir, String yaml, GatewayOptions options) throws IOException {
        Path config = dir.resolve("switchboard.yaml");
        // Plain replacement, not String.format: configs hold '%' of their own (failure-rate: 50%).
        Files.writeString(config, yaml.replace("%1$s", hosted.baseUrl()).replace("%2$s", inhouse.baseUrl()));
        gateway = Gateway.fromConfig(config, options);
        return gateway;
    }

    @Override
    public void close() {
        if (gateway != null) {
            gateway.close();
        }
        hosted.close();
        inhouse.close();
    }
}
