package dev.switchboard.springai;

import dev.switchboard.core.Gateway;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Two simulated models on real ports — an in-house one that echoes what it is given, and a hosted one — and a real
 * gateway loaded from a YAML file that routes to them: {@code chat} goes in-house, {@code premium} to the hosted
 * model only, {@code scenario} by header and tenant. Prompts with an employee id must stay internal.
 */
final class TwoModels implements AutoCloseable {
    final MockModelServer inhouse = MockModelServer.start(MockModelOptions.builder().model("small").echo(true).build());
    final MockModelServer hosted = MockModelServer.start(MockModelOptions.builder().model("big").build());
    final Gateway gateway;

    TwoModels(Path dir) throws IOException {
        Path config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                backends:
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                  - { name: hosted-100b, base-url: "%s", model: big, residency: external }
                routes:
                  - { name: chat, rules: [ { use: [inhouse-10b] } ] }
                  - { name: premium, rules: [ { use: [hosted-100b] } ] }
                  - name: scenario
                    rules:
                      - { when: { header: { x-scenario: aml-report } }, use: [hosted-100b] }
                      - { when: { tenant: batch }, use: [hosted-100b] }
                      - { use: [inhouse-10b] }
                compliance:
                  action: route-internal
                  patterns: [ { name: employee-id, regex: "EMP[0-9]{6}" } ]
                """.formatted(inhouse.baseUrl(), hosted.baseUrl()));
        this.gateway = Gateway.fromConfig(config);
    }

    /** The model calls tools: a request that offers tools gets a call of one with these arguments. */
    void callTools(String arguments) {
        inhouse.options(inhouse.options().toBuilder().toolArguments(arguments).build());
    }

    @Override
    public void close() {
        gateway.close();
        inhouse.close();
        hosted.close();
    }
}
