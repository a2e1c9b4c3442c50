package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.testkit.LeakRecordingDetector;
import dev.switchboard.testkit.MockModelServer;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.testkit.corpus.CorpusCase;
import dev.switchboard.testkit.corpus.LeakCheck;
import dev.switchboard.testkit.corpus.ResidencyCorpus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated corpus through the sidecar, on real ports, to recording models: each planted body and its clean
 * twin, streamed or not, chat or embeddings. With {@code route-internal} the external model receives no planted
 * body at all; with {@code mask} it receives each one without a digit of what was planted ({@link LeakCheck},
 * against the twin, with none of the gateway's detectors). In both, every clean twin reaches the external model
 * exactly as sent — the guard is not a blanket refusal. {@code -Dswitchboard.corpus.size=N} for a longer run
 * ({@code benchmarks.jar residency} runs it against a sidecar process).
 */
class ResidencyCorpusSidecarTest {
    private static final int SIZE = Integer.getInteger("switchboard.corpus.sidecar-size", 300);
    private static final long SEED = Long.getLong("switchboard.corpus.seed", 20261201L);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private MockModelServer hosted;
    private ResidencyRig rig;
    private TestSidecar sidecar;

    @AfterEach
    void stop() {
        rig.close();
    }

    @AfterAll
    static void noLeaks() {
        LeakRecordingDetector.assertNoLeaks();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"route-internal", "mask"})
    void noPlantedValueReachesTheExternalModelAndEveryCleanTwinDoes(String action) throws Exception {
        rig = ResidencyRig.start(action);
        hosted = rig.hosted();
        sidecar = rig.sidecar();
        List<String> problems = new ArrayList<>();
        for (CorpusCase c : ResidencyCorpus.generate(SEED, SIZE)) {
            long sentOut = count(hosted);
            HttpResponse<String> planted = post(c.op().path(), c.plantedBody());
            if (planted.statusCode() != 200) {
                problems.add(c.id() + " planted: HTTP " + planted.statusCode() + " " + planted.body());
            }
            if (action.equals("route-internal") || c.carriesMedia()) {
                // Media stay inside under mask too: what cannot be read cannot be masked.
                if (count(hosted) != sentOut) {
                    problems.add(c.id() + " planted body reached the external model (" + c.position() + ")");
                }
            } else if (count(hosted) != sentOut + 1) {
                problems.add(c.id() + " masked body did not reach the external model");
            } else {
                List<String> leaks = LeakCheck.leaks(c.cleanBody(), last(hosted).body());
                if (!leaks.isEmpty()) {
                    problems.add(c.id() + " leaked " + leaks);
                }
            }
            long beforeClean = count(hosted);
            HttpResponse<String> clean = post(c.op().path(), c.cleanBody());
            if (c.carriesMedia()) {
                if (clean.statusCode() != 200 || count(hosted) != beforeClean || !clean.headers()
                        .firstValue("x-switchboard-backend").orElse("").equals("inhouse-10b")) {
                    problems.add(c.id() + " clean twin with media did not stay inside: HTTP " + clean.statusCode());
                }
            } else if (clean.statusCode() != 200 || !clean.headers().firstValue("x-switchboard-backend").orElse("")
                    .equals("hosted-100b") || count(hosted) != beforeClean + 1) {
                problems.add(c.id() + " clean twin did not go out: HTTP " + clean.statusCode() + " "
                        + clean.headers().firstValue("x-switchboard-backend").orElse("?"));
            } else if (!sameBody(c.cleanBody(), last(hosted).body())) {
                problems.add(c.id() + " clean twin changed on the way out");
            }
        }
        assertThat(problems).isEmpty();
    }

    private long count(MockModelServer server) {
        List<RecordedRequest> r = server.requests();
        return r.isEmpty() ? 0 : r.get(r.size() - 1).seq();
    }

    private static RecordedRequest last(MockModelServer server) {
        List<RecordedRequest> r = server.requests();
        return r.get(r.size() - 1);
    }

    /** The body as sent, but for what the gateway sets: the backend's model and, for streams, usage reporting. */
    private static boolean sameBody(String sent, String received) throws Exception {
        JsonNode a = JSON.readTree(sent);
        JsonNode b = JSON.readTree(received);
        for (JsonNode n : List.of(a, b)) {
            ((ObjectNode) n).remove(List.of("model", "stream_options"));
        }
        return a.equals(b);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.server().port() + path))
                .timeout(Duration.ofSeconds(20)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
