package dev.switchboard.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.config.StateSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class StateGaugeTest {
    @Test
    void aSecondStoreOnOneRegistryTakesTheGaugeOver() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (StateStore first = StateStore.open(StateSpec.MEMORY, Clock.systemUTC(), meters);
             StateStore second = StateStore.open(StateSpec.MEMORY, Clock.systemUTC(), meters)) {
            assertThat(meters.find("switchboard.state.up").gauges()).hasSize(1);
            assertThat(meters.get("switchboard.state.up").gauge().value()).isEqualTo(1.0);
        }
    }
}
