package dev.portcullis.revocation;

import dev.portcullis.truststore.CertificateRevocation.Status;
import java.time.Instant;

/**
 * A responder's verified answer about one certificate, or why there is none, with how long it may
 * be used: until {@code expiresAt} (never beyond the response's nextUpdate, nor the trust store's
 * cacheTtl); a Good answer is fetched again in the background from {@code refreshAt}.
 *
 * @param errorType null for Good and Revoked; else as in CertificateRevocation
 * @param permanent a revocation for good (any reason but certificateHold): kept and used past its
 *                  expiry, since no later answer can make the certificate Good again
 */
record OcspAnswer(Status status, String errorType, String detail, Instant fetchedAt, Instant expiresAt, Instant refreshAt,
                  boolean permanent) {
    /** How long an answer without a determined status is kept, so a dead responder is not asked on every handshake. */
    static final java.time.Duration ERROR_TTL = java.time.Duration.ofSeconds(5);

    static OcspAnswer error(String errorType, String detail, Instant now) {
        Instant until = now.plus(ERROR_TTL);
        return new OcspAnswer(Status.Error, errorType, detail, now, until, until, false);
    }

    /** The same answer, refreshed no sooner than {@code next} (after a failed refresh). */
    OcspAnswer refreshNotBefore(Instant next) {
        return new OcspAnswer(status, errorType, detail, fetchedAt, expiresAt, next.isAfter(refreshAt) ? next : refreshAt, permanent);
    }

    boolean determined() {
        return status == Status.Good || status == Status.Revoked;
    }
}
