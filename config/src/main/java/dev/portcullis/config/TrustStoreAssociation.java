package dev.portcullis.config;

import java.util.Objects;

/**
 * A distribution's use of a trust store.
 *
 * @param advertiseTrustStoreCaNames list the trust store's subjects in the CertificateRequest
 * @param ignoreCertificateExpiry    skip only the NotBefore/NotAfter checks
 */
public record TrustStoreAssociation(String trustStoreId, boolean advertiseTrustStoreCaNames,
                                    boolean ignoreCertificateExpiry) {
    public TrustStoreAssociation {
        Objects.requireNonNull(trustStoreId, "trustStoreId");
    }
}
