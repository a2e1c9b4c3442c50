package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.ErrorKind;
import dev.switchboard.core.GatewayException;
import dev.switchboard.core.Usage;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What a streamed answer leaves on its client's connection. A kept-alive connection serves stream after stream; the
 * hook that cancels a stream when its client leaves must go with the stream, or the connection keeps every finished
 * stream's exchange (request and body) until it closes.
 */
class SseResponseWriterTest {

    @Test
    void aConnectionForgetsEachStreamThatEnded() {
        EmbeddedChannel client = new EmbeddedChannel();
        AtomicInteger cancelled = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            SseResponseWriter answered = new SseResponseWriter(client, "req_" + i, true, null);
            answered.whileOpen(cancelled::incrementAndGet);
            answered.onComplete(new Usage(3, 2), "stop");
        }
        SseResponseWriter failed = new SseResponseWriter(client, "req_f", true, null);
        failed.whileOpen(cancelled::incrementAndGet);
        failed.onError(new GatewayException(ErrorKind.UNAVAILABLE, "no backend"), false);
        SseResponseWriter cut = new SseResponseWriter(client, "req_c", true, null);
        cut.whileOpen(cancelled::incrementAndGet);
        cut.onError(new GatewayException(ErrorKind.UNAVAILABLE, "cut"), true);

        client.finishAndReleaseAll(); // the client leaves after all of them ended
        assertThat(cancelled).as("streams cancelled by the client's leaving").hasValue(0);
    }

    @Test
    void aStreamThatEndedBeforeItsHookWasSetIsNotCancelledEither() {
        EmbeddedChannel client = new EmbeddedChannel();
        AtomicInteger cancelled = new AtomicInteger();
        SseResponseWriter refused = new SseResponseWriter(client, "req_r", true, null);
        // A refusal or a cache hit can end the stream inside chatStream, before the handler sets the hook.
        refused.onError(new GatewayException(ErrorKind.UNAVAILABLE, "no backend"), false);
        refused.whileOpen(cancelled::incrementAndGet);
        client.finishAndReleaseAll();
        assertThat(cancelled).hasValue(0);
    }

    @Test
    void aStreamStillOpenIsCancelledWhenItsClientLeaves() {
        EmbeddedChannel client = new EmbeddedChannel();
        AtomicInteger cancelled = new AtomicInteger();
        SseResponseWriter done = new SseResponseWriter(client, "req_1", true, null);
        done.whileOpen(cancelled::incrementAndGet);
        done.onComplete(new Usage(1, 1), "stop");
        SseResponseWriter open = new SseResponseWriter(client, "req_2", true, null);
        open.whileOpen(cancelled::incrementAndGet);
        client.finishAndReleaseAll();
        assertThat(cancelled).hasValue(1);
    }
}
