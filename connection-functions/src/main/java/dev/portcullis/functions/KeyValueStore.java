package dev.portcullis.functions;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable snapshot of one KeyValueStore. A write builds a new snapshot and swaps it in
 * {@link KeyValueStores}; an invocation keeps the snapshot it started with.
 *
 * <p>Entries are packed into a few large arrays ({@link PackedEntries}): a million of them are then a
 * few dozen objects for the garbage collector, not four million. A write does not repack them: it
 * returns a snapshot sharing the packed base with a small copy-on-write overlay of the keys written
 * since ({@link #withChanges}); {@link #compacted} folds the overlay into a new base, which the store's
 * writer does off the write path once the overlay has grown.
 */
public final class KeyValueStore {
    /** CloudFront: keys up to 512 bytes (UTF-8). */
    public static final int MAX_KEY_BYTES = 512;
    /** CloudFront: values up to 1 KB (UTF-8). */
    public static final int MAX_VALUE_BYTES = 1024;

    /** An overlay value that hides a key of the base (a delete); compared by identity. */
    private static final String DELETED = new String("<deleted>");

    private final String name;
    private final PackedEntries entries;
    /** Keys written since {@link #entries} was packed: their value, or {@link #DELETED}. */
    private final Map<String, String> overlay;
    private final int size;
    private final long bytes;
    private final Instant created;
    private final Instant lastUpdated;

    KeyValueStore(String name, PackedEntries entries, Instant created, Instant lastUpdated) {
        this(name, entries, Map.of(), entries.size(), entries.bytes(), created, lastUpdated);
    }

    private KeyValueStore(String name, PackedEntries entries, Map<String, String> overlay, int size, long bytes,
                          Instant created, Instant lastUpdated) {
        this.name = Objects.requireNonNull(name, "name");
        this.entries = entries;
        this.overlay = overlay;
        this.size = size;
        this.bytes = bytes;
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
        Builder builder = builder(name);
        entries.forEach(builder::add);
        return builder.build(created, lastUpdated);
    }

    /**
     * This snapshot with {@code puts} written and {@code deletes} removed, at {@code at}; this one is
     * unchanged. Costs a copy of the overlay, never of the packed base.
     *
     * @throws IllegalArgumentException naming the key when a pair breaks the limits (nothing changes)
     */
    public KeyValueStore withChanges(Map<String, String> puts, java.util.Collection<String> deletes, Instant at) {
        java.util.HashMap<String, String> next = new java.util.HashMap<>(overlay);
        int n = size;
        long b = bytes;
        for (String key : deletes) {
            String old = getOrNull(key);
            if (old != null) {
                n--;
                b -= utf8Length(key) + utf8Length(old);
                if (entries.contains(key)) {
                    next.put(key, DELETED);
                } else {
                    next.remove(key);
                }
            }
        }
        for (Map.Entry<String, String> put : puts.entrySet()) {
            String key = put.getKey();
            String problem = problem(key, put.getValue());
            if (problem != null) {
                throw new IllegalArgumentException("key \"" + shorten(key) + "\": " + problem);
            }
            String old = getOrNull(key);
            if (old != null) {
                n--;
                b -= utf8Length(key) + utf8Length(old);
            }
            n++;
            b += utf8Length(key) + utf8Length(put.getValue());
            next.put(key, put.getValue());
        }
        // never changed after this point (and never handed out): the copy above is the only one a write makes
        return new KeyValueStore(name, entries, next, n, b, created, at);
    }

    /** Keys written since the base was packed (what {@link #compacted} would fold in). */
    public int overlaySize() {
        return overlay.size();
    }

    /** The same contents with the overlay packed into a new base: O(size), for the writer's background thread. */
    public KeyValueStore compacted() {
        if (overlay.isEmpty()) {
            return this;
        }
        PackedEntries.Builder packed = new PackedEntries.Builder();
        forEach(packed::add);
        return new KeyValueStore(name, packed.build(), created, lastUpdated);
    }

    /**
     * {@code compacted} (made from {@code from}, an earlier snapshot of this store) with the writes
     * made since {@code from} applied again: the writer swaps this in when a background compaction
     * ends. Overlay values are compared by identity, so a key written again with an equal value is
     * still carried over.
     */
    public KeyValueStore rebasedOnto(KeyValueStore from, KeyValueStore compacted) {
        java.util.HashMap<String, String> puts = new java.util.HashMap<>();
        java.util.List<String> deletes = new java.util.ArrayList<>();
        overlay.forEach((key, value) -> {
            if (from.overlay.get(key) != value) {
                if (value == DELETED) {
                    deletes.add(key);
                } else {
                    puts.put(key, value);
                }
            }
        });
        // Keys deleted since `from` that were only in from's overlay are gone from this overlay: delete them too.
        from.overlay.forEach((key, value) -> {
            if (!overlay.containsKey(key)) {
                deletes.add(key);
            }
        });
        return puts.isEmpty() && deletes.isEmpty() ? compacted.at(created, lastUpdated)
                : compacted.withChanges(puts, deletes, lastUpdated);
    }

    /** Collects entries one at a time (a database read), packed as they come; one thread. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** See {@link #builder}. */
    public static final class Builder {
        private final String name;
        private final PackedEntries.Builder packed = new PackedEntries.Builder();

        private Builder(String name) {
            this.name = name;
        }

        /** @throws IllegalArgumentException naming the key if it breaks the limits or is there twice */
        public Builder add(String key, String value) {
            String problem = problem(key, value);
            if (problem != null || !packed.add(key, value)) {
                throw new IllegalArgumentException("KeyValueStore " + name + ": key \"" + shorten(key) + "\": "
                        + (problem != null ? problem : "duplicate key"));
            }
            return this;
        }

        public KeyValueStore build(Instant created, Instant lastUpdated) {
            return new KeyValueStore(name, packed.build(), created, lastUpdated);
        }
    }

    /** Every entry (an export or a full write to a new store); O(size). */
    public void forEach(java.util.function.BiConsumer<String, String> action) {
        entries.forEach((key, value) -> {
            if (!overlay.containsKey(key)) {
                action.accept(key, value);
            }
        });
        overlay.forEach((key, value) -> {
            if (value != DELETED) {
                action.accept(key, value);
            }
        });
    }

    /** The same entries under new timestamps (a store created from an import file in the database). */
    public KeyValueStore at(Instant created, Instant lastUpdated) {
        return new KeyValueStore(name, entries, overlay, size, bytes, created, lastUpdated);
    }

    public String name() {
        return name;
    }

    public boolean exists(String key) {
        // The revocation check's path: no value is decoded, as before writes had overlays.
        if (!overlay.isEmpty()) {
            String v = overlay.get(key);
            if (v != null) {
                return v != DELETED;
            }
        }
        return entries.contains(key);
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(getOrNull(key));
    }

    /** The value or {@code null}: the path the function runtime uses, without an Optional. */
    String getOrNull(String key) {
        if (!overlay.isEmpty()) {
            String v = overlay.get(key);
            if (v != null) {
                return v == DELETED ? null : v;
            }
        }
        return entries.get(key);
    }

    public int size() {
        return size;
    }

    /** UTF-8 bytes of every key and value (CloudFront's TotalSizeInBytes). */
    public long totalBytes() {
        return bytes;
    }

    public Instant created() {
        return created;
    }

    public Instant lastUpdated() {
        return lastUpdated;
    }

    @Override
    public String toString() {
        return "KeyValueStore[" + name + ", " + size + " keys]";
    }

    /** Why a key/value pair breaks CloudFront's limits (key <= 512 bytes, value <= 1 KB), or {@code null}. */
    public static String problemWith(String key, String value) {
        return problem(key, value);
    }

    /** Why a key/value pair breaks CloudFront's limits, or {@code null}. */
    static String problem(String key, String value) {
        if (key == null || key.isEmpty()) {
            return "key is empty";
        }
        if (hasLoneSurrogate(key)) {
            // UTF-8 cannot encode it: it would be written as '?' and two keys could become one
            return "key is not valid Unicode (an unpaired surrogate)";
        }
        int keyBytes = utf8Length(key);
        if (keyBytes > MAX_KEY_BYTES) {
            return "key is " + keyBytes + " bytes (UTF-8), at most " + MAX_KEY_BYTES + " allowed";
        }
        if (value == null) {
            return "value is missing";
        }
        if (hasLoneSurrogate(value)) {
            return "value is not valid Unicode (an unpaired surrogate)";
        }
        int valueBytes = utf8Length(value);
        if (valueBytes > MAX_VALUE_BYTES) {
            return "value is " + valueBytes + " bytes (UTF-8), at most " + MAX_VALUE_BYTES + " allowed";
        }
        return null;
    }

    /** A key as messages show it: at most 40 characters. */
    public static String shorten(String key) {
        return key == null ? "" : key.length() <= 40 ? key : key.substring(0, 40) + "...";
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    static int utf8Length(String s) {
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
