package dev.portcullis.truststore;

/**
 * A refused client certificate: the CloudFront failure code for the logs, the TLS alert to send,
 * and a short human reason (one line, no stack trace) for the node's log.
 */
public record Rejection(FailureCode code, TlsAlert alert, String reason) implements Verification {
}
