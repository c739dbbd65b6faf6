package dev.portcullis.config;

import java.nio.file.Path;
import java.util.Objects;

/** A named PEM bundle of CA certificates that distributions verify client certificates against. */
public record TrustStoreConfig(String id, Path caCertificatesBundle) {
    public TrustStoreConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(caCertificatesBundle, "caCertificatesBundle");
    }
}
