package dev.portcullis.functions;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The loaded KeyValueStores by name. {@link #replace} swaps a whole snapshot atomically: an invocation
 * reads the store once when it starts, so it sees either the old or the new snapshot, never a mix.
 */
public final class KeyValueStores {
    private final Map<String, KeyValueStore> byName = new ConcurrentHashMap<>();

    public static KeyValueStores of(KeyValueStore... stores) {
        KeyValueStores all = new KeyValueStores();
        for (KeyValueStore store : stores) {
            all.replace(store);
        }
        return all;
    }

    /** Adds {@code store}, or swaps it for the store of the same name; returns the one it replaced. */
    public Optional<KeyValueStore> replace(KeyValueStore store) {
        return Optional.ofNullable(byName.put(store.name(), store));
    }

    public Optional<KeyValueStore> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The current snapshot or {@code null}. */
    KeyValueStore current(String name) {
        return byName.get(name);
    }

    public Optional<KeyValueStore> remove(String name) {
        return Optional.ofNullable(byName.remove(name));
    }

    public Set<String> names() {
        return Set.copyOf(byName.keySet());
    }
}
