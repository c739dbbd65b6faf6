package dev.portcullis.functions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PackedEntriesTest {
    @Test
    void findsEveryEntryOfAStoreSpanningSeveralChunksAndNothingElse() {
        // ~1 KB values: 20,000 entries are about 20 MB, five 4 MB chunks plus the grown first one.
        SplittableRandom random = new SplittableRandom(7);
        Map<String, String> expected = new HashMap<>();
        PackedEntries.Builder builder = new PackedEntries.Builder();
        for (int i = 0; i < 20_000; i++) {
            String key = Long.toHexString(random.nextLong()) + ":" + i;
            String value = "v" + i + "-" + "x".repeat(random.nextInt(1000));
            expected.put(key, value);
            assertThat(builder.add(key, value)).isTrue();
        }
        PackedEntries entries = builder.build();

        assertThat(entries.size()).isEqualTo(20_000);
        expected.forEach((key, value) -> {
            assertThat(entries.contains(key)).as(key).isTrue();
            assertThat(entries.get(key)).as(key).isEqualTo(value);
        });
        for (int i = 0; i < 20_000; i++) {
            String absent = Long.toHexString(random.nextLong()) + ":" + i;
            assertThat(entries.contains(absent)).isFalse();
            assertThat(entries.get(absent)).isNull();
        }
    }

    @Test
    void refusesADuplicateAndKeepsTheFirstValue() {
        PackedEntries.Builder builder = new PackedEntries.Builder();
        assertThat(builder.add("serial", "first")).isTrue();
        assertThat(builder.add("serial", "second")).isFalse();
        PackedEntries entries = builder.build();
        assertThat(entries.size()).isEqualTo(1);
        assertThat(entries.get("serial")).isEqualTo("first");
    }

    @Test
    void comparesKeysAsUtf8BytesNotByHashAlone() {
        PackedEntries.Builder builder = new PackedEntries.Builder();
        builder.add("Jürgen", "ü");
        builder.add("😀", "emoji");
        builder.add("k".repeat(KeyValueStore.MAX_KEY_BYTES), "longest key");
        builder.add("empty value", "");
        PackedEntries entries = builder.build();

        assertThat(entries.get("Jürgen")).isEqualTo("ü");
        assertThat(entries.get("Jurgen")).isNull();
        assertThat(entries.get("😀")).isEqualTo("emoji");
        assertThat(entries.get("k".repeat(KeyValueStore.MAX_KEY_BYTES))).isEqualTo("longest key");
        assertThat(entries.contains("k".repeat(KeyValueStore.MAX_KEY_BYTES + 1))).isFalse();
        assertThat(entries.get("empty value")).isEmpty();
        assertThat(entries.contains("")).isFalse();
    }

    @Test
    void anEmptyStoreFindsNothing() {
        PackedEntries entries = new PackedEntries.Builder().build();
        assertThat(entries.size()).isZero();
        assertThat(entries.contains("a")).isFalse();
        assertThat(entries.get("a")).isNull();
    }
}
