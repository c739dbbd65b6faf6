package dev.portcullis.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testkit.TextMutator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged KeyValueStore import file loads or is refused with a clear error, never anything else. */
class KeyValueStoreImportPropertyTest {
    @TempDir
    Path dir;

    @Test
    void everyMutationOfAnImportIsAStoreOrAClearError() throws IOException {
        String json = """
                {"data":[
                  {"key":"0a1b2c3d","value":"revoked 2026-01-02"},
                  {"key":"serial-2","value":"{\\"reason\\":\\"keyCompromise\\"}"},
                  {"key":"k3","value":"v3"}
                ]}
                """;
        Path file = dir.resolve("import.json");
        int refused = 0;
        for (long seed = 0; seed < 3000; seed++) {
            Files.writeString(file, TextMutator.mutate(json, seed), StandardCharsets.UTF_8);
            try {
                KeyValueStore store = KeyValueStore.importFrom("s", file);
                assertThat(store).isNotNull();
            } catch (KeyValueStoreException e) {
                refused++;
                assertThat(e.getMessage()).as("seed %d", seed).isNotBlank();
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " threw " + e + " for:\n" + Files.readString(file), e);
            }
        }
        assertThat(refused).isGreaterThan(1000);
    }
}
