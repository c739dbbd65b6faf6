package dev.portcullis.config;

import java.util.Locale;

/** Viewer mTLS modes, written in lower case in the configuration. */
public enum MtlsMode {
    /** No certificate or a bad one ends the handshake. */
    REQUIRED,
    /** No certificate is allowed; a bad one still ends the handshake. */
    OPTIONAL,
    /** Any certificate (or none) is accepted and forwarded to the origin, unchecked against a trust store. */
    PASSTHROUGH;

    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether certificates are verified against a trust store in this mode. */
    public boolean checksTrustStore() {
        return this != PASSTHROUGH;
    }
}
