package dev.portcullis.truststore;

/** A PEM certificate file that cannot be used; the message names the file and, where known, the line. */
public final class CertificateFileException extends Exception {
    public CertificateFileException(String message) {
        super(message);
    }

    public CertificateFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
