package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reloads put the new config in force inside the same {@link Gateway}, from a plain file or a ConfigMap volume. */
class ConfigReloaderTest {
    @TempDir
    Path dir;
    private MockModelServer model;

    @BeforeEach
    void start() {
        model = MockModelServer.start(MockModelOptions.builder().model("m").build());
    }

    @AfterEach
    void stop() {
        model.close();
    }

    private String config(String route) {
        return """
                backends:
                  - { name: b1, base-url: "%s", model: m, residency: internal }
                routes:
                  - { name: %s, rules: [ { use: [b1] } ] }
                """.formatted(model.baseUrl(), route);
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < until) {
            Thread.sleep(50); // polling the observable effect of a file-system event
        }
        return condition.getAsBoolean();
    }

    @Test
    void aReloadKeepsTheSameGatewayObjectAndItsCallersSeeTheNewConfig() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, config("first"));
        Gateway gateway = Gateway.fromConfig(file, GatewayOptions.defaults().withEnv(k -> null));
        try (ConfigReloader reloader = new ConfigReloader(file, k -> null, gateway)) {
            assertThat(gateway.models()).containsExactly("first");
            Files.writeString(file, config("second"));
            assertThat(reloader.reload()).isEmpty();
            assertThat(reloader.get()).isSameAs(gateway);
            assertThat(gateway.models()).containsExactly("second"); // the reference held all along
            Files.writeString(file, config("third").replace("use: [b1]", "use: [nope]"));
            assertThat(reloader.reload()).singleElement().asString().contains("unknown backend 'nope'");
            assertThat(gateway.models()).containsExactly("second");
            assertThat(reloader.lastErrors()).hasSize(1);
        }
    }

    @Test
    void aConfigThatCannotBePutInForceIsAnErrorAndAClosedGatewayTakesNoReload() throws Exception {
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, config("first"));
        Gateway gateway = Gateway.fromConfig(file, GatewayOptions.defaults().withEnv(k -> null));
        try (ConfigReloader reloader = new ConfigReloader(file, k -> null, gateway)) {
            // Valid, but its audit log cannot be opened (a directory where the file should be).
            Files.createDirectories(dir.resolve("audit-is-a-directory"));
            Files.writeString(file, config("second") + "audit: { path: " + dir.resolve("audit-is-a-directory") + " }\n");
            assertThat(reloader.reload()).singleElement().asString().contains("could not be put in force");
            assertThat(gateway.models()).containsExactly("first");
            gateway.close();
            Files.writeString(file, config("third"));
            assertThat(reloader.reload()).singleElement().asString().contains("the gateway is closed");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> gateway.reload(gateway.spec()))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    /**
     * A ConfigMap volume as the kubelet lays it out: the file is a link through {@code ..data}, itself a link to a
     * timestamped directory; an update writes a new directory and renames a new {@code ..data} link over the old one.
     * No event ever names {@code switchboard.yaml}.
     */
    @Test
    void aConfigMapUpdateIsPickedUpThoughTheFileItselfIsNeverWritten() throws Exception {
        Path v1 = Files.createDirectory(dir.resolve("..2026_12_02_06_00_00.1"));
        Files.writeString(v1.resolve("switchboard.yaml"), config("before"));
        Files.createSymbolicLink(dir.resolve("..data"), v1.getFileName());
        Path file = dir.resolve("switchboard.yaml");
        Files.createSymbolicLink(file, Path.of("..data", "switchboard.yaml"));
        Gateway gateway = Gateway.fromConfig(file, GatewayOptions.defaults().withEnv(k -> null));
        try (ConfigReloader reloader = new ConfigReloader(file, k -> null, gateway)) {
            reloader.watch();
            Path v2 = Files.createDirectory(dir.resolve("..2026_12_02_06_01_00.2"));
            Files.writeString(v2.resolve("switchboard.yaml"), config("after"));
            Path tmp = dir.resolve("..data_tmp");
            Files.createSymbolicLink(tmp, v2.getFileName());
            Files.move(tmp, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            assertThat(eventually(() -> gateway.models().equals(List.of("after")))).as("reloaded after the swap")
                    .isTrue();
            assertThat(reloader.lastErrors()).isEmpty();
        }
    }
}
