package dev.portcullis.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LogSettingsTest {

    @Test
    void stdoutOrAPath() {
        assertThat(LogSettings.of("stdout", LogFormat.JSON).isStdout()).isTrue();
        LogSettings file = LogSettings.of("/var/log/portcullis/access.log", LogFormat.W3C);
        assertThat(file.file()).isEqualTo(Path.of("/var/log/portcullis/access.log"));
        assertThat(file.queueCapacity()).isEqualTo(65_536);
        assertThat(file.rotateBytes()).isZero();
    }

    @Test
    void badValuesNameTheProblem() {
        assertThatThrownBy(() -> LogSettings.of("stdout", LogFormat.JSON).withRotation(1_000, null, 3))
                .hasMessageContaining("rotation needs a file destination");
        assertThatThrownBy(() -> LogSettings.of(" ", LogFormat.JSON)).hasMessageContaining("destination is empty");
        LogSettings file = LogSettings.of(Path.of("a.log"), LogFormat.JSON);
        assertThatThrownBy(() -> file.withRotation(-1, null, 3)).hasMessageContaining("rotation size");
        assertThatThrownBy(() -> file.withRotation(0, Duration.ZERO, 3)).hasMessageContaining("interval");
        assertThatThrownBy(() -> file.withRotation(0, null, -1)).hasMessageContaining("maxFiles");
        assertThatThrownBy(() -> file.withQueueCapacity(0)).hasMessageContaining("queue capacity");
    }

    @Test
    void recordsRefuseImpossiblePorts() {
        assertThatThrownBy(() -> ConnectionRecord.builder().client("192.0.2.1", 70_000).build())
                .hasMessageContaining("clientPort");
    }
}
