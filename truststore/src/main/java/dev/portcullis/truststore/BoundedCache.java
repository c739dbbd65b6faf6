package dev.portcullis.truststore;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A thread-safe map with a size bound and no per-read bookkeeping: reads are a plain
 * ConcurrentHashMap lookup. When full, a put drops an arbitrary eighth of the entries (hash order,
 * effectively random), so eviction costs O(1) amortised. Hot entries may be dropped too; they come
 * back on their next miss, which is only a re-validation, never a wrong answer.
 */
final class BoundedCache<K, V> {
    private final ConcurrentHashMap<K, V> map;
    private final int capacity;

    BoundedCache(int capacity) {
        if (capacity < 8) {
            throw new IllegalArgumentException("capacity " + capacity + " < 8");
        }
        this.capacity = capacity;
        this.map = new ConcurrentHashMap<>(Math.min(capacity, 1024));
    }

    V get(K key) {
        return map.get(key);
    }

    void put(K key, V value) {
        if (map.size() >= capacity) {
            int drop = capacity / 8;
            Iterator<K> keys = map.keySet().iterator();
            while (drop-- > 0 && keys.hasNext()) {
                keys.next();
                keys.remove();
            }
        }
        map.put(key, value);
    }

    int size() {
        return map.size();
    }
}
