package dev.portcullis.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyValueStoreTest {
    @TempDir
    Path dir;

    private Path file(String json) throws IOException {
        Path file = dir.resolve("store.json");
        Files.writeString(file, json, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void writesGoToAnOverlayThatCompactionFoldsInWithTheSameContents() {
        KeyValueStore base = KeyValueStore.of("s", Map.of("a", "1", "b", "2", "c", "3"));
        Instant at = Instant.now();
        KeyValueStore written = base.withChanges(Map.of("d", "4", "a", "10"), java.util.List.of("b", "zz"), at);
        assertThat(base.get("a")).contains("1");
        assertThat(base.exists("b")).isTrue();
        assertThat(written.get("a")).contains("10");
        assertThat(written.exists("b")).isFalse();
        assertThat(written.get("d")).contains("4");
        assertThat(written.size()).isEqualTo(3);
        assertThat(written.totalBytes()).isEqualTo(3 + 2 + 2);
        assertThat(written.overlaySize()).isEqualTo(3);
        KeyValueStore packed = written.compacted();
        assertThat(packed.overlaySize()).isZero();
        assertThat(packed.size()).isEqualTo(3);
        assertThat(packed.totalBytes()).isEqualTo(written.totalBytes());
        assertThat(packed.get("a")).contains("10");
        assertThat(packed.exists("b")).isFalse();
        // writes made while a compaction ran are carried onto its result
        KeyValueStore later = written.withChanges(Map.of("e", "5"), java.util.List.of("d"), at);
        KeyValueStore rebased = later.rebasedOnto(written, packed);
        assertThat(rebased.get("e")).contains("5");
        assertThat(rebased.exists("d")).isFalse();
        assertThat(rebased.get("a")).contains("10");
        assertThat(rebased.size()).isEqualTo(later.size());
    }

    @Test
    void aKeyOrValueThatIsNotValidUnicodeIsRefused() {
        assertThatThrownBy(() -> KeyValueStore.of("s", Map.of("a\uD800", "1")))
                .hasMessageContaining("unpaired surrogate");
        assertThatThrownBy(() -> KeyValueStore.of("s", Map.of("a", "\uDC00")))
                .hasMessageContaining("unpaired surrogate");
        assertThat(KeyValueStore.of("s", Map.of("\uD83D\uDE00", "ok")).exists("\uD83D\uDE00")).isTrue();
    }

    @Test
    void importsCloudFrontFormat() throws Exception {
        Path file = file("""
                {"data":[
                  {"key":"0a1b2c","value":"revoked 2026-01-02"},
                  {"key":"Jürgen","value":"{\\"role\\":\\"admin\\"}"}
                ]}""");
        Instant modified = Instant.parse("2026-01-02T03:04:05Z");
        Files.setLastModifiedTime(file, FileTime.from(modified));

        KeyValueStore store = KeyValueStore.importFrom("revoked", file);

        assertThat(store.name()).isEqualTo("revoked");
        assertThat(store.size()).isEqualTo(2);
        assertThat(store.exists("0a1b2c")).isTrue();
        assertThat(store.exists("0A1B2C")).isFalse();
        assertThat(store.get("0a1b2c")).contains("revoked 2026-01-02");
        assertThat(store.get("Jürgen")).contains("{\"role\":\"admin\"}");
        assertThat(store.get("missing")).isEmpty();
        assertThat(store.created()).isEqualTo(modified);
        assertThat(store.lastUpdated()).isEqualTo(modified);
    }

    @Test
    void emptyDataIsAnEmptyStore() throws Exception {
        assertThat(KeyValueStore.importFrom("s", file("{\"data\":[]}")).size()).isZero();
    }

    @Test
    void refusesEmptyKeyNamingEntry() throws Exception {
        Path file = file("{\"data\":[{\"key\":\"a\",\"value\":\"1\"},\n{\"key\":\"\",\"value\":\"2\"}]}");
        assertThatThrownBy(() -> KeyValueStore.importFrom("s", file))
                .isInstanceOf(KeyValueStoreException.class)
                .hasMessageContaining(file.toString() + ":2:")
                .hasMessageContaining("data[1]")
                .hasMessageContaining("key is empty");
    }

    @Test
    void refusesKeyOver512Utf8Bytes() throws Exception {
        String okKey = "k".repeat(512);
        String longKey = "é".repeat(257); // 514 bytes, 257 chars
        assertThat(KeyValueStore.importFrom("s", file(entry(okKey, "v"))).exists(okKey)).isTrue();
        Path file = file(entry(longKey, "v"));
        assertThatThrownBy(() -> KeyValueStore.importFrom("s", file))
                .hasMessageContaining("data[0]")
                .hasMessageContaining("key is 514 bytes");
    }

    @Test
    void refusesValueOver1KB() throws Exception {
        assertThat(KeyValueStore.importFrom("s", file(entry("ok", "v".repeat(1024)))).size()).isEqualTo(1);
        Path file = file("{\"data\":[{\"key\":\"a\",\"value\":\"1\"},{\"key\":\"big\",\"value\":\"" + "€".repeat(342) + "\"}]}");
        assertThatThrownBy(() -> KeyValueStore.importFrom("s", file))
                .hasMessageContaining("data[1] (key \"big\")")
                .hasMessageContaining("value is 1026 bytes");
    }

    @Test
    void refusesDuplicateKey() throws Exception {
        Path file = file("{\"data\":[{\"key\":\"a\",\"value\":\"1\"},{\"key\":\"b\",\"value\":\"2\"},{\"key\":\"a\",\"value\":\"3\"}]}");
        assertThatThrownBy(() -> KeyValueStore.importFrom("s", file))
                .hasMessageContaining("data[2] (key \"a\"): duplicate key");
    }

    @Test
    void refusesWrongShapes() throws Exception {
        assertImportFails("[]", "expected an object");
        assertImportFails("{}", "missing \"data\" array");
        assertImportFails("{\"data\":{}}", "\"data\" must be an array");
        assertImportFails("{\"items\":[]}", "unexpected field \"items\"");
        assertImportFails("{\"data\":[\"a\"]}", "data[0]: expected an object");
        assertImportFails("{\"data\":[{\"value\":\"1\"}]}", "data[0]: missing \"key\"");
        assertImportFails("{\"data\":[{\"key\":\"a\"}]}", "data[0] (key \"a\"): missing \"value\"");
        assertImportFails("{\"data\":[{\"key\":\"a\",\"value\":1}]}", "data[0]: \"value\" must be a string");
        assertImportFails("{\"data\":[{\"key\":\"a\",\"value\":\"1\",\"ttl\":3}]}", "data[0]: unexpected field \"ttl\"");
        assertImportFails("{\"data\":[{\"key\":\"a\",\"key\":\"b\",\"value\":\"1\"}]}", "invalid JSON");
        assertImportFails("{\"data\":[{\"key\":\"a\",\"value\":\"1\"}", "invalid JSON");
    }

    private void assertImportFails(String json, String message) throws IOException {
        Path file = file(json);
        assertThatThrownBy(() -> KeyValueStore.importFrom("s", file))
                .as(json)
                .isInstanceOf(KeyValueStoreException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(message);
    }

    @Test
    void missingFileIsNamed() {
        Path file = dir.resolve("nope.json");
        assertThatThrownBy(() -> KeyValueStore.importFrom("s", file))
                .hasMessage(file + ": no such file");
    }

    @Test
    void ofChecksLimits() {
        assertThat(KeyValueStore.of("s", Map.of("a", "1")).get("a")).contains("1");
        assertThatThrownBy(() -> KeyValueStore.of("s", Map.of("", "1"))).hasMessageContaining("key is empty");
        assertThatThrownBy(() -> KeyValueStore.of("s", Map.of("a", "x".repeat(1025))))
                .hasMessageContaining("value is 1025 bytes");
    }

    @Test
    void storesSwapAWholeSnapshot() {
        KeyValueStore first = KeyValueStore.of("revoked", Map.of("a", "1"));
        KeyValueStore second = KeyValueStore.of("revoked", Map.of("b", "2"));
        KeyValueStores stores = KeyValueStores.of(first);

        assertThat(stores.replace(second)).containsSame(first);

        assertThat(stores.get("revoked")).containsSame(second);
        assertThat(stores.names()).containsExactly("revoked");
        assertThat(first.exists("a")).isTrue(); // a snapshot never changes
    }

    @Test
    void millionKeyStoreLooksUpFast() throws Exception {
        int count = 1_000_000;
        Path file = dir.resolve("million.json");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("{\"data\":[\n");
            for (int i = 0; i < count; i++) {
                out.write((i == 0 ? "" : ",\n") + "{\"key\":\"" + key(i) + "\",\"value\":\"revoked\"}");
            }
            out.write("]}\n");
        }
        long loadStart = System.nanoTime();
        KeyValueStore store = KeyValueStore.importFrom("revoked", file);
        long loadMillis = (System.nanoTime() - loadStart) / 1_000_000;
        assertThat(store.size()).isEqualTo(count);

        int lookups = 200_000;
        String[] probes = new String[lookups];
        for (int i = 0; i < lookups; i++) {
            probes[i] = key(i % 2 == 0 ? i * 3 : count + i); // every other key is past the last one
        }
        int found = 0;
        long start = System.nanoTime();
        for (String probe : probes) {
            if (store.exists(probe)) {
                found++;
            }
        }
        long nanosPerLookup = (System.nanoTime() - start) / lookups;
        assertThat(found).isEqualTo(lookups / 2);
        assertThat(store.get(key(count - 1))).contains("revoked");
        assertThat(store.exists(key(count))).isFalse();
        System.out.printf("1M-key store: import %d ms, exists() %d ns per lookup%n", loadMillis, nanosPerLookup);
    }

    /** 32 hex digits, like a 16-byte certificate serial. */
    private static String key(int i) {
        return String.format("%032x", (long) i * 0x9E3779B97F4A7C15L & Long.MAX_VALUE);
    }

    private static String entry(String key, String value) {
        return "{\"data\":[{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}]}";
    }
}
