package dev.portcullis.functions;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable snapshot of one KeyValueStore. A reload builds a new snapshot and swaps it in
 * {@link KeyValueStores}; an invocation keeps the snapshot it started with.
 *
 * <p>Entries are packed into a few large arrays ({@link PackedEntries}): a million of them are then a
 * few dozen objects for the garbage collector, not four million.
 */
public final class KeyValueStore {
    /** CloudFront: keys up to 512 bytes (UTF-8). */
    public static final int MAX_KEY_BYTES = 512;
    /** CloudFront: values up to 1 KB (UTF-8). */
    public static final int MAX_VALUE_BYTES = 1024;

    private final String name;
    private final PackedEntries entries;
    private final Instant created;
    private final Instant lastUpdated;

    KeyValueStore(String name, PackedEntries entries, Instant created, Instant lastUpdated) {
        this.name = Objects.requireNonNull(name, "name");
        this.entries = entries;
        this.created = Objects.requireNonNull(created, "created");
        this.lastUpdated = Objects.requireNonNull(lastUpdated, "lastUpdated");
    }

    /**
     * Loads a CloudFront import file ({@code {"data":[{"key":"..","value":".."}]}}, UTF-8). Both
     * timestamps are the file's modification time: that is when its data last changed.
     *
     * @throws KeyValueStoreException naming the file, line and entry (index and key) at fault
     */
    public static KeyValueStore importFrom(String name, Path jsonFile) throws KeyValueStoreException {
        return KeyValueStoreImport.read(name, jsonFile);
    }

    /** A store of {@code entries} (checked against the key and value limits) created now. */
    public static KeyValueStore of(String name, Map<String, String> entries) {
        Instant now = Instant.now();
        return of(name, entries, now, now);
    }

    /** A store of {@code entries} with the given creation and update times. */
    public static KeyValueStore of(String name, Map<String, String> entries, Instant created, Instant lastUpdated) {
        PackedEntries.Builder packed = new PackedEntries.Builder();
        entries.forEach((key, value) -> {
            String problem = problem(key, value);
            if (problem != null) {
                throw new IllegalArgumentException("KeyValueStore " + name + ": key \"" + shorten(key) + "\": " + problem);
            }
            packed.add(key, value);
        });
        return new KeyValueStore(name, packed.build(), created, lastUpdated);
    }

    public String name() {
        return name;
    }

    public boolean exists(String key) {
        return entries.contains(key);
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** The value or {@code null}: the path the function runtime uses, without an Optional. */
    String getOrNull(String key) {
        return entries.get(key);
    }

    public int size() {
        return entries.size();
    }

    public Instant created() {
        return created;
    }

    public Instant lastUpdated() {
        return lastUpdated;
    }

    @Override
    public String toString() {
        return "KeyValueStore[" + name + ", " + entries.size() + " keys]";
    }

    /** Why a key/value pair breaks CloudFront's limits, or {@code null}. */
    static String problem(String key, String value) {
        if (key == null || key.isEmpty()) {
            return "key is empty";
        }
        int keyBytes = utf8Length(key);
        if (keyBytes > MAX_KEY_BYTES) {
            return "key is " + keyBytes + " bytes (UTF-8), at most " + MAX_KEY_BYTES + " allowed";
        }
        if (value == null) {
            return "value is missing";
        }
        int valueBytes = utf8Length(value);
        if (valueBytes > MAX_VALUE_BYTES) {
            return "value is " + valueBytes + " bytes (UTF-8), at most " + MAX_VALUE_BYTES + " allowed";
        }
        return null;
    }

    static String shorten(String key) {
        return key == null ? "" : key.length() <= 40 ? key : key.substring(0, 40) + "...";
    }

    private static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
