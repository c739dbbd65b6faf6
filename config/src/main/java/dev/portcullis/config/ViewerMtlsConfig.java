package dev.portcullis.config;

import java.util.Objects;
import java.util.Optional;

/**
 * How a distribution treats client certificates. {@code required} and {@code optional} always carry a
 * trust store and {@code passthrough} never does; the constructor enforces it so that no configuration,
 * however built, turns certificate checks off by mistake. {@code reevaluateEstablishedConnections}
 * (default true): when a trust store, KeyValueStore or function changes, open connections are
 * checked again and those now refused are closed. {@code sessionResumption} (default false): TLS 1.3
 * clients may resume with a session ticket (PSK with a fresh ECDHE exchange); each resumed connection
 * is checked again, trust store, revocation and function, before its first request.
 */
public record ViewerMtlsConfig(MtlsMode mode, Optional<TrustStoreAssociation> trustStoreConfig,
                               boolean reevaluateEstablishedConnections, boolean sessionResumption) {
    /**
     * Established connections are checked again when trust changes (the default); no resumption.
     */
    public ViewerMtlsConfig(MtlsMode mode, Optional<TrustStoreAssociation> trustStoreConfig) {
        this(mode, trustStoreConfig, true, false);
    }

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
