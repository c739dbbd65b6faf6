package dev.portcullis.config;

import java.util.Objects;
import java.util.Optional;

/**
 * How a distribution treats client certificates. {@code required} and {@code optional} always carry a
 * trust store and {@code passthrough} never does; the constructor enforces it so that no configuration,
 * however built, turns certificate checks off by mistake.
 */
public record ViewerMtlsConfig(MtlsMode mode, Optional<TrustStoreAssociation> trustStoreConfig) {
    public ViewerMtlsConfig {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(trustStoreConfig, "trustStoreConfig");
        if (mode.checksTrustStore() != trustStoreConfig.isPresent()) {
            throw new IllegalArgumentException(mode.checksTrustStore()
                    ? "mode " + mode.yamlName() + " needs a trust store"
                    : "mode passthrough does not use a trust store");
        }
    }
}
