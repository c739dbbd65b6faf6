package dev.portcullis.kvs;

import java.util.List;

/**
 * What a fleet's shared source committed up to {@code revision}, in order: the node applies it
 * whole, then records {@code revision} as where its local snapshot stands. An update without
 * changes only moves the revision (a progress notification: nothing happened up to there).
 */
public record SharedUpdate(long revision, List<SharedChange> changes) {
    public SharedUpdate {
        changes = List.copyOf(changes);
    }
}
