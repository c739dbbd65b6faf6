package dev.portcullis.proxy;

/** The node refuses to start: the message names the file or config key at fault. */
public final class StartupException extends Exception {
    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
