package dev.switchboard.spring;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The starter's own settings. The gateway's config comes either from a YAML file ({@code switchboard.config}, the
 * sidecar's schema) or from {@code switchboard.*} properties in that same shape ({@code switchboard.backends[0].name},
 * {@code switchboard.routes[0].rules[0].use[0]}, ...), never from both.
 */
@ConfigurationProperties("switchboard")
public class SwitchboardProperties {
    /** The config file (switchboard.yaml); unset: the config is read from the switchboard.* properties. */
    private Path config;

    /** Reload when the config file's content changes (a Kubernetes ConfigMap update included). */
    private boolean watch = true;

    public Path getConfig() {
        return config;
    }

    public void setConfig(Path config) {
        this.config = config;
    }

    public boolean isWatch() {
        return watch;
    }

    public void setWatch(boolean watch) {
        this.watch = watch;
    }
}
