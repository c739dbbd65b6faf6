package dev.portcullis.kvs;

import dev.portcullis.config.KeyValueStoreConfig;
import dev.portcullis.functions.KeyValueStore;
import java.util.List;

/**
 * A source of truth the node shares with other nodes (a fleet's etcd). With one attached,
 * {@link LiveKeyValueStores} commits every write there instead of in its own database; what is
 * committed comes back (from this node or any other) as a {@link SharedUpdate}, the one path by
 * which the node's snapshots change, and the database becomes the local snapshot a node restarts from.
 */
public interface SharedStores {

    /**
     * Makes each of {@code configured} exist in the shared source (created from its
     * {@code importSource} by whichever node comes first) and applies the ones this node does not
     * serve yet (the others are left as they are). Blocks; never called on the stores' writer thread.
     *
     * @return problems, each naming the config key; empty also when the shared source is
     *         unreachable (the node then serves its local snapshot, and says so)
     */
    List<String> ensure(List<KeyValueStoreConfig> configured);

    /**
     * Commits {@code changes} if the store is still at the version {@code ifMatch} names; returns
     * the revision it committed at. Called on the writer thread.
     *
     * @throws KeyValueStoreError PRECONDITION_FAILED if another write (on any node) came first,
     *         INVALID if the batch does not fit in one transaction, UNAVAILABLE if the source cannot be reached
     */
    long write(String name, String ifMatch, KeyChanges changes) throws KeyValueStoreError;

    /** Replaces every entry of {@code name} if it is still at {@code ifMatch}; returns the revision. */
    long replace(String name, String ifMatch, KeyValueStore contents) throws KeyValueStoreError;
}
