package dev.portcullis.revocation;

import dev.portcullis.truststore.CertificateRevocation.Status;
import java.time.Instant;

/**
 * A responder's verified answer about one certificate, or why there is none, with how long it may
 * be used: until {@code expiresAt} (never beyond the response's nextUpdate, nor the trust store's
 * cacheTtl); a Good answer is fetched again in the background from {@code refreshAt}.
 *
 * @param errorType null for Good and Revoked; else as in CertificateRevocation
 */
record OcspAnswer(Status status, String errorType, String detail, Instant fetchedAt, Instant expiresAt, Instant refreshAt) {
    /** How long an answer without a determined status is kept, so a dead responder is not asked on every handshake. */
    static final java.time.Duration ERROR_TTL = java.time.Duration.ofSeconds(5);

    static OcspAnswer error(String errorType, String detail, Instant now) {
        Instant until = now.plus(ERROR_TTL);
        return new OcspAnswer(Status.Error, errorType, detail, now, until, until);
    }

    boolean determined() {
        return status == Status.Good || status == Status.Revoked;
    }
}
