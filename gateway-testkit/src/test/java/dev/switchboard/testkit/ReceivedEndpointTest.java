package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code /__received} and {@code logBodies}: what the simulated model received, shown over HTTP and on stdout. */
class ReceivedEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private MockModelServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private MockModelServer start(MockModelOptions.Builder options) {
        server = MockModelServer.start(options.build());
        return server;
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)));
    }

    private JsonNode received(String query) throws Exception {
        HttpResponse<String> r = get("/__received" + query);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode json = JSON.readTree(r.body());
        assertThat(json.get("object").asText()).isEqualTo("list");
        return json.get("data");
    }

    private static List<Long> seqs(JsonNode data) {
        return StreamSupport.stream(data.spliterator(), false).map(n -> n.get("seq").asLong()).toList();
    }

    @Test
    void showsEveryRequestAsItArrivedOldestFirstAndNotItself() throws Exception {
        start(MockModelOptions.builder());
        // Spacing, a line break, an escape, a non-ASCII character and 1.50: all must come back exactly as sent.
        String chat = "{ \"model\" : \"chat\",\n  \"temperature\": 1.50, \"messages\": [{\"role\": \"user\", "
                + "\"content\": \"card 6222 0212 3456 7894 \\u00e9 \u5361\"}] }";
        assertThat(post("/v1/chat/completions", chat).statusCode()).isEqualTo(200);
        assertThat(post("/v1/embeddings", "not json {").statusCode()).isEqualTo(400);
        assertThat(post("/v1/embeddings", "{\"input\":\"a\"} trailing").statusCode()).isEqualTo(200);
        assertThat(get("/v1/models").statusCode()).isEqualTo(200);

        HttpResponse<String> raw = get("/__received");
        assertThat(raw.body()).contains(chat).endsWith("}\n");
        JsonNode data = received("");
        assertThat(seqs(data)).containsExactly(1L, 2L, 3L, 4L);
        JsonNode first = data.get(0);
        assertThat(first.get("method").asText()).isEqualTo("POST");
        assertThat(first.get("path").asText()).isEqualTo("/v1/chat/completions");
        assertThat(Instant.parse(first.get("received_at").asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(first.get("headers").get("content-length").asText())
                .isEqualTo(String.valueOf(chat.getBytes(StandardCharsets.UTF_8).length));
        assertThat(first.get("body")).isEqualTo(JSON.readTree(chat));
        assertThat(data.get(1).get("body").isTextual()).isTrue();
        assertThat(data.get(1).get("body").asText()).isEqualTo("not json {");
        // Jackson's lenient reader would take the object and ignore what follows; /__received must not.
        assertThat(data.get(2).get("body").asText()).isEqualTo("{\"input\":\"a\"} trailing");
        assertThat(data.get(3).get("method").asText()).isEqualTo("GET");
        assertThat(data.get(3).get("body").asText()).isEmpty();

        // Asking did not add to the record, over HTTP or in the Java API.
        assertThat(seqs(received(""))).containsExactly(1L, 2L, 3L, 4L);
        assertThat(server.requests()).extracting(RecordedRequest::seq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(server.requests().get(0).body()).isEqualTo(chat);
    }

    @Test
    void neverShowsKeys() throws Exception {
        start(MockModelOptions.builder());
        send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Authorization", "Bearer sk-very-secret").header("X-Api-Key", "also-secret")
                .header("X-Request-Id", "r-1").POST(HttpRequest.BodyPublishers.ofString("{\"messages\":[]}")));
        HttpResponse<String> raw = get("/__received");
        assertThat(raw.body()).doesNotContain("sk-very-secret").doesNotContain("also-secret");
        JsonNode headers = JSON.readTree(raw.body()).at("/data/0/headers");
        assertThat(headers.get("authorization").asText()).isEqualTo("***");
        assertThat(headers.get("x-api-key").asText()).isEqualTo("***");
        assertThat(headers.get("x-request-id").asText()).isEqualTo("r-1");
        // Tests in the same JVM may still check which key was sent.
        assertThat(server.requests().get(0).header("authorization")).isEqualTo("Bearer sk-very-secret");
    }

    @Test
    void lastAndSinceSelectAndDeleteClears() throws Exception {
        start(MockModelOptions.builder());
        for (int i = 0; i < 5; i++) {
            post("/v1/chat/completions", "{\"messages\":[],\"n\":" + i + "}");
        }
        assertThat(seqs(received("?last=2"))).containsExactly(4L, 5L);
        assertThat(received("?last=2").get(1).at("/body/n").asInt()).isEqualTo(4);
        assertThat(seqs(received("?since=3"))).containsExactly(4L, 5L);
        assertThat(seqs(received("?since=1&last=1"))).containsExactly(5L);
        assertThat(seqs(received("?since=5"))).isEmpty();
        assertThat(seqs(received("?last=0"))).isEmpty();
        assertThat(seqs(received("?last=99"))).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(get("/__received?last=two").statusCode()).isEqualTo(400);
        assertThat(get("/__received?since=-1").statusCode()).isEqualTo(400);
        assertThat(post("/__received", "{}").statusCode()).isEqualTo(405);

        HttpResponse<String> deleted = send(HttpRequest.newBuilder(uri("/__received")).DELETE());
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(received("")).isEmpty();
        assertThat(server.requests()).isEmpty();
        // Numbers go on after a clear, so a poller's ?since= stays right.
        post("/v1/chat/completions", "{\"messages\":[]}");
        assertThat(seqs(received("?since=5"))).containsExactly(6L);
    }

    @Test
    void keepsOnlyTheNewestRecordLimitAndASmallerLimitTakesEffect() throws Exception {
        start(MockModelOptions.builder().recordLimit(3));
        for (int i = 0; i < 10; i++) {
            post("/v1/chat/completions", "{\"messages\":[]}");
        }
        assertThat(seqs(received(""))).containsExactly(8L, 9L, 10L);
        server.options(server.options().toBuilder().recordLimit(1).build());
        post("/v1/chat/completions", "{\"messages\":[]}");
        assertThat(seqs(received(""))).containsExactly(11L);
        server.options(server.options().toBuilder().recordLimit(0).build());
        post("/v1/chat/completions", "{\"messages\":[]}");
        assertThat(received("")).isEmpty();
        // Nothing kept (a load test's model, which then never copies a body out), but every request numbered.
        post("/v1/chat/completions", "{\"messages\":[]}");
        server.options(server.options().toBuilder().recordLimit(3).build());
        post("/v1/chat/completions", "{\"messages\":[]}");
        assertThat(seqs(received(""))).containsExactly(14L);
    }

    @Test
    void staysBoundedAndInOrderUnderConcurrentRequests() throws Exception {
        start(MockModelOptions.builder().recordLimit(10));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> sent = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                sent.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 25; i++) {
                        ok += post("/v1/chat/completions", "{\"messages\":[]}").statusCode() == 200 ? 1 : 0;
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : sent) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(25);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(seqs(received(""))).containsExactly(191L, 192L, 193L, 194L, 195L, 196L, 197L, 198L, 199L, 200L);
    }

    @Test
    void theRecordNeverHoldsMoreThanItsLimitWhileWritersRace() throws Exception {
        ReceivedRequests record = new ReceivedRequests();
        int writers = 8;
        int each = 20_000;
        CountDownLatch go = new CountDownLatch(1);
        AtomicInteger overLimit = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < writers; t++) {
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        record.add(16, "POST", "/v1/chat/completions", java.util.Map.of(), "{}");
                        if (i % 1000 == 0) {
                            record.clear();
                        }
                    }
                    return null;
                }));
            }
            Future<?> reader = pool.submit(() -> {
                go.await();
                while (done.stream().anyMatch(f -> !f.isDone())) {
                    List<RecordedRequest> seen = record.all();
                    if (seen.size() > 16) {
                        overLimit.incrementAndGet();
                    }
                    for (int i = 1; i < seen.size(); i++) {
                        if (seen.get(i).seq() <= seen.get(i - 1).seq()) {
                            overLimit.incrementAndGet();
                        }
                    }
                }
                return null;
            });
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            reader.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(overLimit).hasValue(0);
        List<RecordedRequest> last = record.all();
        assertThat(last).hasSize(16);
        assertThat(last.get(15).seq()).isEqualTo((long) writers * each);
        assertThat(last.get(15).seq() - last.get(0).seq()).isEqualTo(15);
    }

    @Test
    void logBodiesPrintsOneLinePerRequestWithTheWholeBody() throws Exception {
        start(MockModelOptions.builder().logBodies(true));
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        String pretty = "{\n  \"model\": \"chat\",\n  \"messages\": [{\"role\": \"user\", \"content\": \"a\\nb\"}]\r\n}";
        try {
            post("/v1/chat/completions", pretty);
            post("/v1/embeddings", "two\nlines");
            get("/v1/models");
            get("/__received");
        } finally {
            System.setOut(old);
        }
        assertThat(out.toString(StandardCharsets.UTF_8).lines().toList()).containsExactly(
                "received POST /v1/chat/completions {  \"model\": \"chat\",  \"messages\": [{\"role\": \"user\", "
                        + "\"content\": \"a\\nb\"}]}",
                "received POST /v1/embeddings \"two\\nlines\"",
                "received GET /v1/models");
    }
}
