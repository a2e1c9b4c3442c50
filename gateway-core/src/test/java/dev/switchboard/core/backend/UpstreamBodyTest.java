package dev.switchboard.core.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.RequestView;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UpstreamBodyTest {
    private static final byte[] CLIENT = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void piecesJoinInOrderAndAWholeArrayIsItsOwnBytes() throws Exception {
        UpstreamBody whole = UpstreamBody.of(CLIENT);
        assertThat(whole.toBytes()).isSameAs(CLIENT);
        assertThat(whole.length()).isEqualTo(CLIENT.length);

        byte[] model = "\"big\"".getBytes(StandardCharsets.UTF_8);
        UpstreamBody spliced = UpstreamBody.of(UpstreamBody.Piece.range(CLIENT, 0, 9), UpstreamBody.Piece.of(model),
                UpstreamBody.Piece.range(CLIENT, 15, CLIENT.length));
        String expected = "{\"model\":\"big\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertThat(new String(spliced.toBytes(), StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(spliced.length()).isEqualTo(expected.length());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        spliced.writeTo(out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    @Test
    void aPieceMustLieInItsArray() {
        assertThatThrownBy(() -> UpstreamBody.Piece.range(CLIENT, 5, CLIENT.length + 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> new UpstreamBody.Piece(CLIENT, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void theViewsPiecesLieInTheClientsOwnBytes() {
        RequestView view = RequestView.chat(CLIENT);
        UpstreamBody body = view.upstreamPieces("big", false);
        assertThat(body.pieces()).hasSize(3);
        assertThat(body.pieces().get(0).array()).isSameAs(body.pieces().get(2).array());
        assertThat(new String(body.toBytes(), StandardCharsets.UTF_8))
                .isEqualTo(new String(view.upstreamBody("big", false), StandardCharsets.UTF_8))
                .startsWith("{\"model\":\"big\",");
        assertThat(view.upstreamPieces("chat", false).pieces()).hasSize(1); // nothing changes: no splice at all
    }
}
