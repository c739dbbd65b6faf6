package dev.portcullis.fleet;

import java.time.Instant;

/**
 * What this node knows of its place in the fleet: the etcd revision its stores stand at, whether
 * it is connected now, and the last error (kept after a recovery, for the operator).
 */
public record FleetStatus(String nodeName, long revision, boolean connected, String lastError, Instant lastErrorAt) {
}
