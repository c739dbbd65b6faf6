package dev.portcullis.truststore;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * The path a client chain validated along, as revocation checks need it: every certificate below
 * the trust anchor, leaf first, each with the certificate that issued it (the next one, or the
 * anchor), and whether it is one of the trust store's own certificates.
 *
 * @param links  leaf first; never empty
 * @param anchor the trust store certificate the path ends at
 */
public record ValidatedPath(List<Link> links, X509Certificate anchor) {
    public ValidatedPath {
        links = List.copyOf(links);
        Objects.requireNonNull(anchor, "anchor");
        if (links.isEmpty()) {
            throw new IllegalArgumentException("a validated path holds at least the leaf");
        }
    }

    /** One certificate of the path and its issuer. */
    public record Link(X509Certificate certificate, X509Certificate issuer, boolean inTrustStore) {
        public Link {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(issuer, "issuer");
        }
    }
}
