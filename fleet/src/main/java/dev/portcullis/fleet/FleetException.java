package dev.portcullis.fleet;

/** Why a node cannot join its fleet at start (the config's fault); the message names the key. */
public final class FleetException extends Exception {
    public FleetException(String message) {
        super(message, null, false, false);
    }
}
