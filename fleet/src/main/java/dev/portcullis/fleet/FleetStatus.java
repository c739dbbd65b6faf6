package dev.portcullis.fleet;

import java.time.Instant;

/**
 * What this node knows of its place in the fleet: the etcd revision its stores stand at, whether
 * it is connected now, the last error (kept after a recovery, for the operator), and what came of
 * the last push it took up (null before any).
 */
public record FleetStatus(String nodeName, long revision, boolean connected, String lastError, Instant lastErrorAt,
                          java.util.Map<String, Object> push) {
}
