package dev.portcullis.truststore;

import java.util.List;

/**
 * A client chain that passed validation.
 *
 * @param leaf          facts of the client's own certificate
 * @param intermediates facts of the CA certificates the client presented after its leaf, in order
 *                      (what CloudFront calls {@code intermediates}); may be empty
 */
public record VerifiedClient(CertificateFacts leaf, List<CertificateFacts> intermediates) implements Verification {
    public VerifiedClient {
        intermediates = List.copyOf(intermediates);
    }
}
