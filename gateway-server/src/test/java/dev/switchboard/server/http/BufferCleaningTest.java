package dev.switchboard.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Netty's choice of how to free buffers is read on the pinned Netty (a Netty that moved its cleaner would make the
 * start-up warning silent: this fails first). How each way is chosen by the JVM's flags and the jar's manifest is
 * tested on JDK 25 with the built jar (examples' ExecutableJarTest).
 */
class BufferCleaningTest {
    @Test
    void nettysChoiceIsReadable() {
        BufferCleaning here = BufferCleaning.ofThisJvm();
        assertThat(here).isNotEqualTo(BufferCleaning.UNKNOWN);
        if (Runtime.version().feature() < 24) {
            // Before Java 24 Netty frees through sun.misc.Unsafe, at the cost of a call.
            assertThat(here).isEqualTo(BufferCleaning.CHEAP);
        }
    }

    @Test
    void onlyCostlyFreeingIsWarnedAboutAndTheWarningNamesTheFlags() {
        assertThat(BufferCleaning.CHEAP.warning()).isEmpty();
        assertThat(BufferCleaning.UNKNOWN.warning()).isEmpty();
        assertThat(BufferCleaning.COSTLY.warning()).hasValueSatisfying(w -> assertThat(w)
                .contains("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                        "OPERATIONS.md"));
    }
}
