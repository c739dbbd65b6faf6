package dev.portcullis.revocation;

/** A revocation source that cannot be used: the message names the file and what is wrong with it. */
public final class RevocationConfigException extends Exception {
    public RevocationConfigException(String message) {
        super(message);
    }

    public RevocationConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
