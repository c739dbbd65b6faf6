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
    ClientCertMissing,
    TcpError,
    TcpTimeout,
    ConnectionFunctionError,
    ConnectionFunctionDenied,
    Internal,
    UnmappedConnectionError
}
