package dev.portcullis.kvs;

import dev.portcullis.functions.KeyValueStore;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One store's change as a fleet's shared source (etcd) committed it: either the store's whole
 * contents (a store first seen, an import, a resync) or the keys one write put and deleted. Its
 * {@code version} is the one the shared source gives the store after the change (the ETag).
 */
public record SharedChange(String name, StoreVersion version, KeyValueStore contents, Map<String, String> puts,
                           Set<String> deletes) {
    public SharedChange {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        puts = Map.copyOf(puts);
        deletes = Set.copyOf(deletes);
    }

    public static SharedChange whole(String name, StoreVersion version, KeyValueStore contents) {
        return new SharedChange(name, version, Objects.requireNonNull(contents, "contents"), Map.of(), Set.of());
    }

    public static SharedChange keys(String name, StoreVersion version, Map<String, String> puts, Set<String> deletes) {
        return new SharedChange(name, version, null, puts, deletes);
    }

    public boolean isWhole() {
        return contents != null;
    }
}
