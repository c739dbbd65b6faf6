package dev.portcullis.revocation;

/** What the OCSP client reports for metrics; called from its own threads, so implementations must be thread-safe. */
public interface OcspObserver {
    OcspObserver NONE = new OcspObserver() {
    };

    /**
     * One request to a responder ended.
     *
     * @param result good, revoked, unknown, error or timeout
     */
    default void requestEnded(String result, long nanos) {
    }

    /** A handshake's question was answered from the cache. */
    default void cacheHit() {
    }
}
