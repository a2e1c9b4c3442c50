package dev.switchboard.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.switchboard.core.Gateway;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What both models are built from: the gateway (given, or loaded from a config), the route, default parameters, the
 * tenant, client key and headers of every request, and the listeners. {@link SwitchboardChatModel.Builder} and
 * {@link SwitchboardStreamingChatModel.Builder} add only {@code build()}.
 *
 * @param <B> the concrete builder, so each setter returns it
 */
public abstract class ModelBuilder<B extends ModelBuilder<B>> {
    final ModelSettings settings = new ModelSettings();
    List<ChatModelListener> listeners = List.of();

    ModelBuilder() {
    }

    abstract B self();

    /** The application's gateway, which it keeps and closes itself. */
    public B gateway(Gateway gateway) {
        settings.gateway(gateway);
        return self();
    }

    /** A config file to load a gateway from; the model owns that gateway and closes it in its {@code close()}. */
    public B config(Path config) {
        settings.config(config);
        return self();
    }

    /** The route (or alias) requests go to unless their parameters name another. */
    public B modelName(String route) {
        settings.modelName(route);
        return self();
    }

    /** Temperature, max tokens, tools and so on for every request; {@link #modelName} wins over its model. */
    public B defaultRequestParameters(ChatRequestParameters parameters) {
        settings.defaults(parameters);
        return self();
    }

    /** The tenant the requests are counted to (budgets, rate limits, rule conditions). */
    public B tenant(String tenant) {
        settings.tenant(tenant);
        return self();
    }

    /** The name of the client key the requests come with (its quota and route limits apply). */
    public B clientKey(String keyName) {
        settings.key(keyName);
        return self();
    }

    /** A header every request carries, for rule conditions such as {@code header: {x-scenario: ...}}. */
    public B header(String name, String value) {
        settings.header(name, value);
        return self();
    }

    public B headers(Map<String, String> headers) {
        headers.forEach(settings::header);
        return self();
    }

    public B listeners(List<ChatModelListener> listeners) {
        this.listeners = listeners;
        return self();
    }
}
