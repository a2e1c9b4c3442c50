package dev.switchboard.spring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.core.ConfigReloader;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.core.RequestView;
import dev.switchboard.core.compliance.Verdict;
import dev.switchboard.core.routing.DecisionFields;
import dev.switchboard.core.routing.NoCandidateException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

/**
 * Actuator endpoint {@code switchboard}: {@code GET} the routes, the steps and the last reload errors; {@code POST
 * {"model": ROUTE, "prompt": TEXT, "tenant": T}} for the decision a chat request would get now and why — the same
 * trace as the sidecar's {@code /admin/explain}, without calling any backend. Expose it like any endpoint
 * ({@code management.endpoints.web.exposure.include=health,switchboard}) and keep it behind the management port: the
 * explanation shows the routing rules.
 */
@Endpoint(id = "switchboard")
public class SwitchboardEndpoint {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Gateway gateway;
    private final Supplier<ConfigReloader> reloader;

    public SwitchboardEndpoint(Gateway gateway, Supplier<ConfigReloader> reloader) {
        this.gateway = gateway;
        this.reloader = reloader;
    }

    @ReadOperation
    public Map<String, Object> status() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("routes", gateway.ruleConditions());
        o.put("models", gateway.models());
        o.put("chain", gateway.chain());
        ConfigReloader r = reloader.get();
        o.put("last-reload-errors", r == null ? List.of() : r.lastErrors());
        return o;
    }

    /** The decision for a one-message chat request; compliance judged as on a call (kinds and counts only). */
    @WriteOperation
    public Map<String, Object> explain(String model, String prompt, @Nullable String tenant) {
        ObjectNode body = JSON.createObjectNode().put("model", model);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        GatewayRequest request = GatewayRequest.of(RequestView.chat(body.toString().getBytes(
                java.nio.charset.StandardCharsets.UTF_8)), Map.of(), tenant);
        Verdict verdict = gateway.judge(request);
        try {
            return DecisionFields.of(gateway.explain(request, verdict), verdict);
        } catch (NoCandidateException e) {
            Map<String, Object> o = DecisionFields.of(e.decision(), verdict);
            o.put("error", e.getMessage());
            return o;
        } catch (GatewayException e) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("error", e.getMessage());
            o.put("code", e.kind().code());
            o.put("compliance", DecisionFields.compliance(verdict));
            return o;
        }
    }
}
