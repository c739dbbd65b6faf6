package dev.portcullis.truststore;

/**
 * A trust store bundle that cannot be used. The message names the file and, where it applies, the
 * certificate's position in the bundle and its line, e.g.
 * {@code /etc/portcullis/ca.pem: certificate 2 (line 14): not a CA certificate (no basicConstraints CA=true): CN=x}.
 */
public final class TrustStoreException extends Exception {
    public TrustStoreException(String message) {
        super(message);
    }

    public TrustStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
