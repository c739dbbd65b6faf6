package dev.portcullis.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A named PEM bundle of CA certificates that distributions verify client certificates against,
 * with the revocation data to check them with.
 *
 * @param crls                             CRL files (PEM or DER), at most one per issuing CA
 * @param requireCrlForEveryIssuer         a certificate whose issuer has no CRL is undetermined, not unchecked
 * @param useClientCertificateOcspEndpoint CloudFront's flag: ask each certificate's OCSP responder
 * @param ocsp                             timeouts, cache and the undetermined policy
 */
public record TrustStoreConfig(String id, Path caCertificatesBundle, List<Path> crls, boolean requireCrlForEveryIssuer,
                               boolean useClientCertificateOcspEndpoint, OcspConfig ocsp) {
    public TrustStoreConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(caCertificatesBundle, "caCertificatesBundle");
        crls = List.copyOf(crls);
        Objects.requireNonNull(ocsp, "ocsp");
    }

    /** A trust store without revocation checks. */
    public TrustStoreConfig(String id, Path caCertificatesBundle) {
        this(id, caCertificatesBundle, List.of(), false, false, OcspConfig.DEFAULTS);
    }
}
