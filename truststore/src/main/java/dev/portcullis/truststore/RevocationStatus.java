package dev.portcullis.truststore;

import java.util.List;
import java.util.Optional;

/**
 * The revocation status of a client's path, leaf first, as connection functions see it
 * ({@code connection.clientCertificate.revocationStatus}). {@code chainValidity} is our documented
 * rule: Invalid if any checked certificate is revoked, else Unknown if any is Unknown or Error, else
 * Valid. A path none of whose certificates is covered (no CRL for its issuers, OCSP off) has no
 * entries and is Valid.
 *
 * @param certificates one entry per checked certificate, the leaf's first (when it was checked)
 */
public record RevocationStatus(List<CertificateRevocation> certificates) {
    public enum ChainValidity { Valid, Invalid, Unknown }

    public RevocationStatus {
        certificates = List.copyOf(certificates);
    }

    public ChainValidity chainValidity() {
        boolean unknown = false;
        for (CertificateRevocation c : certificates) {
            if (c.status() == CertificateRevocation.Status.Revoked) {
                return ChainValidity.Invalid;
            }
            unknown |= c.undetermined();
        }
        return unknown ? ChainValidity.Unknown : ChainValidity.Valid;
    }

    /** The first revoked certificate, else the first undetermined one: what a refusal names. */
    public Optional<CertificateRevocation> deciding() {
        Optional<CertificateRevocation> revoked = certificates.stream()
                .filter(c -> c.status() == CertificateRevocation.Status.Revoked).findFirst();
        return revoked.isPresent() ? revoked : certificates.stream().filter(CertificateRevocation::undetermined).findFirst();
    }

    /**
     * Whether an undetermined result may be handed to a connection function: not when a certificate
     * cannot be checked at all (OCSP on, no responder URL), which is a PKI mistake, not an outage.
     */
    public boolean functionMayDecide() {
        return certificates.stream().noneMatch(c -> CertificateRevocation.NO_RESPONDER_URL.equals(c.errorType()));
    }
}
