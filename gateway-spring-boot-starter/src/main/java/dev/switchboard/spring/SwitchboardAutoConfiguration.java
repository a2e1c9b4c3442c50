package dev.switchboard.spring;

import dev.switchboard.core.ConfigReloader;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayOptions;
import dev.switchboard.core.config.ConfigError;
import dev.switchboard.core.config.ConfigException;
import dev.switchboard.core.config.ConfigLoader;
import dev.switchboard.core.config.GatewaySpec;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;

/**
 * A {@link Gateway} bean from {@code switchboard.config} (a YAML file) or the {@code switchboard.*} properties, on the
 * application's {@link MeterRegistry}; reloaded in place when the file changes; closed with the context. With
 * Actuator: a {@code switchboard} health indicator and a {@code switchboard} endpoint (status and explain).
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@EnableConfigurationProperties(SwitchboardProperties.class)
public class SwitchboardAutoConfiguration {

    /** The gateway. A config error fails the start, naming each field ({@link SwitchboardConfigException}). */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Gateway switchboardGateway(SwitchboardProperties properties, ConfigurableEnvironment environment,
            ObjectProvider<MeterRegistry> meters) {
        GatewayOptions options = GatewayOptions.defaults().withEnv(environment::getProperty);
        MeterRegistry registry = meters.getIfAvailable();
        if (registry != null) {
            options = options.withMeters(registry);
        }
        return Gateway.create(spec(properties, environment), options);
    }

    /** Reloads the gateway when its file changes (only with {@code switchboard.config} and {@code watch} on). */
    @Bean(destroyMethod = "stopWatching")
    @ConditionalOnMissingBean
    @ConditionalOnProperty("switchboard.config")
    public ConfigReloader switchboardReloader(SwitchboardProperties properties, ConfigurableEnvironment environment,
            Gateway gateway) throws IOException {
        ConfigReloader reloader = new ConfigReloader(properties.getConfig(), environment::getProperty, gateway);
        if (properties.isWatch()) {
            reloader.watch();
        }
        return reloader;
    }

    static GatewaySpec spec(SwitchboardProperties properties, ConfigurableEnvironment environment) {
        ConfigLoader loader = ConfigLoader.withEnv(environment::getProperty);
        String inline = PropertiesConfig.read(environment);
        if (properties.getConfig() != null) {
            if (inline != null) {
                throw new SwitchboardConfigException("switchboard.* properties", List.of(new ConfigError(
                        "switchboard", "both switchboard.config (" + properties.getConfig() + ") and other "
                        + "switchboard.* properties are set: the config comes from one of them")));
            }
            try {
                return loader.load(properties.getConfig());
            } catch (ConfigException e) {
                throw new SwitchboardConfigException(properties.getConfig().toString(), e.errors());
            }
        }
        if (inline == null) {
            throw new SwitchboardConfigException("switchboard.* properties", List.of(new ConfigError("switchboard",
                    "no config: set switchboard.config to a switchboard.yaml, or switchboard.backends and "
                    + "switchboard.routes as properties")));
        }
        try {
            return loader.parse(inline, "switchboard.* properties");
        } catch (ConfigException e) {
            // The loader names fields from the document's root; as properties they live under switchboard.
            throw new SwitchboardConfigException("switchboard.* properties", e.errors().stream()
                    .map(err -> new ConfigError(err.path().isEmpty() ? "switchboard" : "switchboard." + err.path(),
                            err.message()))
                    .toList());
        }
    }

    /** Actuator's health: the {@code switchboard} component. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
    static class Health {
        @Bean
        @ConditionalOnMissingBean(name = "switchboardHealthIndicator")
        SwitchboardHealthIndicator switchboardHealthIndicator(Gateway gateway) {
            return new SwitchboardHealthIndicator(gateway);
        }
    }

    /** Actuator's endpoint {@code switchboard}: status, and explain a request. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
    static class Endpoint {
        @Bean
        @ConditionalOnMissingBean
        SwitchboardEndpoint switchboardEndpoint(Gateway gateway, ObjectProvider<ConfigReloader> reloader) {
            return new SwitchboardEndpoint(gateway, reloader::getIfAvailable);
        }
    }
}
