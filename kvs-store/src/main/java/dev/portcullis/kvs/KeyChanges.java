package dev.portcullis.kvs;

import dev.portcullis.functions.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One write to a store (PutKey, DeleteKey or UpdateKeys): keys to put and keys to delete, checked
 * against CloudFront's limits as a whole before anything is applied, so a batch is all or nothing.
 */
public record KeyChanges(Map<String, String> puts, List<String> deletes) {
    /** CloudFront's UpdateKeys: at most 50 keys... */
    public static final int MAX_KEYS = 50;
    /** ...and 3 MB per call. */
    public static final long MAX_BYTES = 3L * 1024 * 1024;

    public KeyChanges {
        puts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(puts));
        deletes = List.copyOf(deletes);
    }

    public static KeyChanges put(String key, String value) {
        return new KeyChanges(Map.of(key, value), List.of());
    }

    public static KeyChanges delete(String key) {
        return new KeyChanges(Map.of(), List.of(key));
    }

    /** @throws KeyValueStoreError INVALID, naming the key, if the batch breaks a limit */
    void check() throws KeyValueStoreError {
        if (puts.size() + deletes.size() > MAX_KEYS) {
            throw invalid("at most " + MAX_KEYS + " keys per call, got " + (puts.size() + deletes.size()));
        }
        long bytes = 0;
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, String> put : puts.entrySet()) {
            String problem = KeyValueStore.problemWith(put.getKey(), put.getValue());
            if (problem != null) {
                throw invalid("Puts: key \"" + KeyValueStore.shorten(put.getKey()) + "\": " + problem);
            }
            seen.add(put.getKey());
            bytes += put.getKey().getBytes(StandardCharsets.UTF_8).length + put.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        for (String key : deletes) {
            String problem = KeyValueStore.problemWith(key, "");
            if (problem != null) {
                throw invalid("Deletes: key \"" + KeyValueStore.shorten(key) + "\": " + problem);
            }
            if (!seen.add(key)) {
                throw invalid("key \"" + KeyValueStore.shorten(key) + "\" appears more than once in the call");
            }
            bytes += key.getBytes(StandardCharsets.UTF_8).length;
        }
        if (bytes > MAX_BYTES) {
            throw invalid("the call carries " + bytes + " bytes of keys and values, at most " + MAX_BYTES + " allowed");
        }
    }

    private static KeyValueStoreError invalid(String message) {
        return new KeyValueStoreError(KeyValueStoreError.Kind.INVALID, message);
    }
}
