package dev.portcullis.truststore;

/**
 * The TLS alert a refusal should end the handshake with (RFC 8446 section 6.2), so the client's
 * error says why. proxy-core maps these onto what BoringSSL can send.
 */
public enum TlsAlert {
    /** No certificate where one is required (TLS 1.3; TLS 1.2 clients see handshake_failure). */
    CERTIFICATE_REQUIRED,
    /** No path to a trusted CA, or the path is too long. */
    UNKNOWN_CA,
    CERTIFICATE_EXPIRED,
    /** Malformed, not yet valid, or otherwise unacceptable certificate. */
    BAD_CERTIFICATE,
    /** Key type, size, signature algorithm or key usage we do not accept. */
    UNSUPPORTED_CERTIFICATE,
    CERTIFICATE_REVOKED,
    /** The certificate's revocation status could not be determined. */
    CERTIFICATE_UNKNOWN,
    /** A policy (the connection function) refused an otherwise valid client. */
    ACCESS_DENIED,
    INTERNAL_ERROR
}
