package dev.portcullis.truststore;

/**
 * Why a connection attempt failed, with CloudFront's connection-log names
 * ({@code connectionStatus} is {@code Failed:<name>}). The enum constant names are the wire names.
 */
public enum FailureCode {
    ClientCertMaxChainDepthExceeded,
    ClientCertMaxSizeExceeded,
    ClientCertUntrusted,
    ClientCertNotYetValid,
    ClientCertExpired,
    ClientCertTypeUnsupported,
    ClientCertInvalid,
    ClientCertIntentInvalid,
    ClientCertRejected,
    /** A certificate of the chain is revoked (a CRL lists it, or its OCSP responder says so). */
    ClientCertRevoked,
    /** Whether a certificate of the chain is revoked cannot be told (expired CRL, responder down or unknown). */
    ClientCertRevocationUnknown,
    ClientCertMissing,
    TcpError,
    TcpTimeout,
    ConnectionFunctionError,
    ConnectionFunctionDenied,
    Internal,
    UnmappedConnectionError
}
