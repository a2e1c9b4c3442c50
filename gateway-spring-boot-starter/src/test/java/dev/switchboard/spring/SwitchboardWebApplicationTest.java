package dev.switchboard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.core.Gateway;
import dev.switchboard.core.GatewayRequest;
import dev.switchboard.testkit.MockModelOptions;
import dev.switchboard.testkit.MockModelServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A whole Spring Boot application on Tomcat with Actuator, as a bank's team runs one: the starter is found by
 * auto-configuration alone, and health, metrics and the explain endpoint answer over HTTP.
 */
class SwitchboardWebApplicationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    private MockModelServer inhouse;
    private ConfigurableApplicationContext app;
    private final HttpClient http = HttpClient.newHttpClient();

    @SpringBootApplication
    static class BankApp {
    }

    @BeforeEach
    void start() throws Exception {
        inhouse = MockModelServer.start(MockModelOptions.builder().model("small").build());
        Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, """
                backends:
                  - { name: inhouse-10b, base-url: "%s", model: small, residency: internal }
                routes:
                  - { name: chat, rules: [ { use: [inhouse-10b] } ] }
                """.formatted(inhouse.baseUrl()));
        app = new SpringApplication(BankApp.class).run("--server.port=0", "--switchboard.config=" + file,
                "--management.endpoints.web.exposure.include=health,metrics,switchboard",
                "--management.endpoint.health.show-details=always", "--spring.main.banner-mode=off");
    }

    @AfterEach
    void stop() {
        app.close();
        inhouse.close();
    }

    private String base() {
        return "http://127.0.0.1:" + ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthMetricsAndExplainAnswerOverHttp() throws Exception {
        Gateway gateway = app.getBean(Gateway.class);
        gateway.chat(GatewayRequest.chat("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        JsonNode health = JSON.readTree(get("/actuator/health").body());
        assertThat(health.at("/components/switchboard/status").asText()).isEqualTo("UP");
        assertThat(health.at("/components/switchboard/details/backends/inhouse-10b/breaker").asText())
                .isEqualTo("closed");

        HttpResponse<String> metric = get("/actuator/metrics/gen_ai.client.operation.duration");
        assertThat(metric.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(metric.body()).at("/measurements/0/value").asDouble()).isEqualTo(1.0);

        JsonNode status = JSON.readTree(get("/actuator/switchboard").body());
        assertThat(status.get("models").toString()).isEqualTo("[\"chat\"]");
        HttpResponse<String> explained = http.send(HttpRequest.newBuilder(URI.create(base() + "/actuator/switchboard"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"chat\",\"prompt\":\"What is a bond?\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(explained.statusCode()).as(explained.body()).isEqualTo(200);
        JsonNode decision = JSON.readTree(explained.body());
        assertThat(decision.get("route").asText()).isEqualTo("chat");
        assertThat(decision.get("order").toString()).isEqualTo("[\"inhouse-10b\"]");
        assertThat(decision.at("/compliance/verdict").asText()).isNotEmpty();
    }
}
