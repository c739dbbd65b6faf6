package dev.portcullis.truststore;

import java.util.List;

/**
 * A client chain that passed validation.
 *
 * @param leaf          facts of the client's own certificate
 * @param intermediates facts of the CA certificates the client presented after its leaf, in order
 *                      (what CloudFront calls {@code intermediates}); may be empty
 * @param path          the path it validated along, which revocation checks walk; null only for
 *                      clients made by hand (tests, benchmarks), which a revocation check refuses
 */
public record VerifiedClient(CertificateFacts leaf, List<CertificateFacts> intermediates, ValidatedPath path)
        implements Verification {
    public VerifiedClient {
        intermediates = List.copyOf(intermediates);
    }

    /** A client with no recorded path (tests, benchmarks). */
    public VerifiedClient(CertificateFacts leaf, List<CertificateFacts> intermediates) {
        this(leaf, intermediates, null);
    }
}
