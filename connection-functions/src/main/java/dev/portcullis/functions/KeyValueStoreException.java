package dev.portcullis.functions;

/** A KeyValueStore file that cannot be loaded; the message names the file and the entry. */
public final class KeyValueStoreException extends Exception {
    KeyValueStoreException(String message) {
        super(message);
    }

    KeyValueStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
