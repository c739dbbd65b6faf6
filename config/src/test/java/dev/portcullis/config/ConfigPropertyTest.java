package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testkit.TextMutator;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whatever an operator writes, the loader answers with a config or a ConfigException naming what is
 * wrong: never another exception, never a hang. 3,000 seeded mutations of the sample config.
 */
class ConfigPropertyTest {
    @TempDir
    Path dir;

    @Test
    void everyMutationOfTheSampleIsAConfigOrAClearError() {
        ConfigFixture.withFiles(dir);
        int refused = 0;
        for (long seed = 0; seed < 3000; seed++) {
            String yaml = TextMutator.mutate(ConfigFixture.SAMPLE, seed);
            try {
                ConfigLoader.parse(yaml, dir);
            } catch (ConfigException e) {
                refused++;
                assertThat(e.getMessage()).as("seed %d", seed).isNotBlank();
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("seed " + seed + " threw " + e + " for:\n" + yaml, e);
            }
        }
        assertThat(refused).as("the mutations must mostly break the config, or they test nothing").isGreaterThan(1500);
    }
}
