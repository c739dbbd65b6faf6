package dev.portcullis.kvs;

import dev.portcullis.functions.KeyValueStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the stores' contents live durably: the seam between the node's live snapshots
 * ({@link LiveKeyValueStores}) and a source of truth. The embedded database in {@code server.dataDir}
 * ({@link SqliteBackend}) is the first; a fleet's etcd is meant to be the second. Every method is
 * called from one thread, the stores' writer; a write returns only once it is durable.
 */
public interface KeyValueStoreBackend extends AutoCloseable {

    /** A store as the backend holds it: every entry, and its version. */
    record Stored(KeyValueStore contents, StoreVersion version) {
    }

    /** One page of ListKeys, in key order; {@code nextToken} is null on the last page. */
    record Page(List<Map.Entry<String, String>> items, String nextToken) {
    }

    Optional<Stored> load(String name) throws KeyValueStoreError;

    /** Creates {@code name} with {@code contents} (the import file's); its version 1. */
    StoreVersion create(String name, KeyValueStore contents, Instant at) throws KeyValueStoreError;

    /**
     * Applies {@code changes} to {@code name} if it is still at {@code expected}; durable on return.
     *
     * @throws KeyValueStoreError PRECONDITION_FAILED if another write came first (nothing applied)
     */
    StoreVersion write(String name, StoreVersion expected, KeyChanges changes, Instant at) throws KeyValueStoreError;

    /** Replaces every entry of {@code name} with {@code contents} if it is still at {@code expected}. */
    StoreVersion replace(String name, StoreVersion expected, KeyValueStore contents, Instant at) throws KeyValueStoreError;

    /** Up to {@code limit} keys after {@code afterKey} (null: from the first). */
    Page list(String name, String afterKey, int limit) throws KeyValueStoreError;

    /**
     * Records changes a fleet's shared source committed, and the revision they bring the local
     * snapshot to, in one transaction: a node restarted (even while the source is down) serves
     * exactly this. A backend that is not a snapshot of a shared source refuses.
     */
    default void recordShared(java.util.List<SharedChange> changes, long revision) throws KeyValueStoreError {
        throw new KeyValueStoreError(KeyValueStoreError.Kind.UNAVAILABLE, "this store database is not a fleet snapshot");
    }

    /**
     * Removes a store from the local snapshot of a shared source: one this node stops serving
     * would otherwise stay behind, stale, while the snapshot's revision moves on without it.
     */
    default void dropShared(String name) throws KeyValueStoreError {
        throw new KeyValueStoreError(KeyValueStoreError.Kind.UNAVAILABLE, "this store database is not a fleet snapshot");
    }

    /** The names of every store the backend holds. */
    List<String> storedNames() throws KeyValueStoreError;

    /** The shared revision the local snapshot stands at; 0 if it never recorded one. */
    default long sharedRevision() throws KeyValueStoreError {
        return 0;
    }

    @Override
    void close();
}
