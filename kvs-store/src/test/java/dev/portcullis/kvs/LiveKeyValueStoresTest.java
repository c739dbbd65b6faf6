package dev.portcullis.kvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.config.KeyValueStoreConfig;
import dev.portcullis.functions.KeyValueStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiveKeyValueStoresTest {
    @TempDir
    Path dir;

    private Path importFile(String json) throws Exception {
        Path file = dir.resolve("seed.json");
        Files.writeString(file, json);
        return file;
    }

    private LiveKeyValueStores open(Path importSource) throws Exception {
        LiveKeyValueStores stores = new LiveKeyValueStores(SqliteBackend.open(dir.resolve("data")), Clock.systemUTC());
        assertThat(stores.ensure(List.of(new KeyValueStoreConfig("revoked", importSource)))).isEmpty();
        return stores;
    }

    private static KeyValueStoreError.Kind failure(Runnable call) {
        try {
            call.run();
        } catch (CompletionException e) {
            return ((KeyValueStoreError) e.getCause()).kind();
        }
        throw new AssertionError("expected the call to fail");
    }

    @Test
    void theImportSeedsTheStoreOnceAndThenTheDatabaseIsTheTruth() throws Exception {
        Path seed = importFile("{\"data\":[{\"key\":\"a\",\"value\":\"1\"}]}");
        String etag;
        try (LiveKeyValueStores stores = open(seed)) {
            LiveKeyValueStores.Live live = stores.current("revoked").orElseThrow();
            assertThat(live.snapshot().get("a")).contains("1");
            etag = stores.write("revoked", live.etag(), KeyChanges.put("b", "2")).join().etag();
        }
        Files.writeString(seed, "{\"data\":[]}"); // not read again
        try (LiveKeyValueStores stores = open(seed)) {
            LiveKeyValueStores.Live live = stores.current("revoked").orElseThrow();
            assertThat(live.snapshot().get("a")).contains("1");
            assertThat(live.snapshot().get("b")).contains("2");
            assertThat(live.etag()).isEqualTo(etag);
            assertThat(stores.snapshots().get("revoked").orElseThrow().get("b")).contains("2");
        }
    }

    @Test
    void writesNeedTheCurrentEtagAndABatchIsAllOrNothing() throws Exception {
        try (LiveKeyValueStores stores = open(importFile("{\"data\":[{\"key\":\"a\",\"value\":\"1\"}]}"))) {
            String first = stores.current("revoked").orElseThrow().etag();
            assertThat(failure(() -> stores.write("revoked", null, KeyChanges.put("x", "1")).join()))
                    .isEqualTo(KeyValueStoreError.Kind.PRECONDITION_REQUIRED);
            String second = stores.write("revoked", "\"" + first + "\"", KeyChanges.put("x", "1")).join().etag();
            assertThat(second).isNotEqualTo(first);
            assertThat(failure(() -> stores.write("revoked", first, KeyChanges.put("y", "1")).join()))
                    .isEqualTo(KeyValueStoreError.Kind.PRECONDITION_FAILED);
            Map<String, String> puts = Map.of("ok", "1", "k".repeat(513), "too long");
            assertThat(failure(() -> stores.write("revoked", second, new KeyChanges(puts, List.of("a"))).join()))
                    .isEqualTo(KeyValueStoreError.Kind.INVALID);
            KeyValueStore now = stores.current("revoked").orElseThrow().snapshot();
            assertThat(now.get("ok")).isEmpty();
            assertThat(now.get("a")).contains("1");
            assertThat(stores.current("revoked").orElseThrow().etag()).isEqualTo(second);
            assertThat(failure(() -> stores.write("nope", second, KeyChanges.put("y", "1")).join()))
                    .isEqualTo(KeyValueStoreError.Kind.NOT_FOUND);
        }
    }

    @Test
    void listingPagesThroughTheKeysInOrder() throws Exception {
        try (LiveKeyValueStores stores = open(importFile("{\"data\":[{\"key\":\"c\",\"value\":\"3\"},"
                + "{\"key\":\"a\",\"value\":\"1\"},{\"key\":\"b\",\"value\":\"2\"}]}"))) {
            KeyValueStoreBackend.Page page = stores.list("revoked", null, 2).join();
            assertThat(page.items()).extracting(Map.Entry::getKey).containsExactly("a", "b");
            assertThat(page.nextToken()).isEqualTo("b");
            KeyValueStoreBackend.Page last = stores.list("revoked", page.nextToken(), 2).join();
            assertThat(last.items()).extracting(Map.Entry::getKey).containsExactly("c");
            assertThat(last.nextToken()).isNull();
        }
    }

    @Test
    void manyWritesCompactIntoTheSameContents() throws Exception {
        try (LiveKeyValueStores stores = open(importFile("{\"data\":[{\"key\":\"a\",\"value\":\"1\"}]}"))) {
            Map<String, String> expected = new HashMap<>(Map.of("a", "1"));
            String etag = stores.current("revoked").orElseThrow().etag();
            for (int i = 0; i < 600; i++) {
                Map<String, String> puts = Map.of("k" + i, "v" + i);
                List<String> deletes = i % 3 == 0 && i > 0 ? List.of("k" + (i - 1)) : List.of();
                etag = stores.write("revoked", etag, new KeyChanges(puts, deletes)).join().etag();
                expected.putAll(puts);
                deletes.forEach(expected::remove);
            }
            // wait (on the writer's own queue) until the last compaction has been swapped in
            for (int i = 0; i < 200 && stores.current("revoked").orElseThrow().snapshot().overlaySize() > 64; i++) {
                stores.list("revoked", null, 1).join();
            }
            KeyValueStore snapshot = stores.current("revoked").orElseThrow().snapshot();
            assertThat(snapshot.size()).isEqualTo(expected.size());
            Map<String, String> actual = new HashMap<>();
            snapshot.forEach(actual::put);
            assertThat(actual).isEqualTo(expected);
            assertThat(snapshot.overlaySize()).isLessThan(600);
        }
    }

    @Test
    void aMissingImportSourceForANewStoreIsAProblemNamingTheKey() throws Exception {
        try (LiveKeyValueStores stores = new LiveKeyValueStores(SqliteBackend.open(dir.resolve("data")), Clock.systemUTC())) {
            assertThat(stores.ensure(List.of(new KeyValueStoreConfig("revoked", dir.resolve("missing.json")))))
                    .singleElement().asString().startsWith("keyValueStores[0] (revoked).importSource:");
            assertThat(stores.current("revoked")).isEmpty();
        }
        assertThatThrownBy(() -> KeyValueStore.of("x", Map.of("", "1"))).isInstanceOf(IllegalArgumentException.class);
    }
}
