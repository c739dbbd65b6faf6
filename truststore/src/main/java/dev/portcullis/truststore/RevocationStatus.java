package dev.portcullis.truststore;

import java.util.List;
import java.util.Optional;

/**
 * The revocation status of a client's path, as connection functions see it
 * ({@code connection.clientCertificate.revocationStatus}). {@code chainValidity} is our documented
 * rule: Invalid if any checked certificate is revoked, else Unknown if any is Unknown or Error, else
 * Valid. A path none of whose certificates is covered (no CRL for its issuers, OCSP off) has no
 * entries and is Valid.
 *
 * @param leaf          the leaf's result, or null when nothing checked the leaf (its issuer has no CRL
 *                      and OCSP is off): a function never mistakes an intermediate's result for it
 * @param intermediates the results of the checked certificates above the leaf, in path order
 */
public record RevocationStatus(CertificateRevocation leaf, List<CertificateRevocation> intermediates) {
    public enum ChainValidity { Valid, Invalid, Unknown }

    public RevocationStatus {
        intermediates = List.copyOf(intermediates);
    }

    /** Every result, the leaf's first when there is one. */
    public List<CertificateRevocation> certificates() {
        if (leaf == null) {
            return intermediates;
        }
        java.util.List<CertificateRevocation> all = new java.util.ArrayList<>(intermediates.size() + 1);
        all.add(leaf);
        all.addAll(intermediates);
        return all;
    }

    public ChainValidity chainValidity() {
        boolean unknown = false;
        for (CertificateRevocation c : certificates()) {
            if (c.status() == CertificateRevocation.Status.Revoked) {
                return ChainValidity.Invalid;
            }
            unknown |= c.undetermined();
        }
        return unknown ? ChainValidity.Unknown : ChainValidity.Valid;
    }

    /** The first revoked certificate, else the first undetermined one: what a refusal names. */
    public Optional<CertificateRevocation> deciding() {
        List<CertificateRevocation> all = certificates();
        Optional<CertificateRevocation> revoked = all.stream()
                .filter(c -> c.status() == CertificateRevocation.Status.Revoked).findFirst();
        return revoked.isPresent() ? revoked : all.stream().filter(CertificateRevocation::undetermined).findFirst();
    }

    /**
     * Whether an undetermined result may be handed to a connection function: not when a certificate
     * cannot be checked at all (OCSP on, no responder URL), which is a PKI mistake, not an outage.
     */
    public boolean functionMayDecide() {
        return certificates().stream().noneMatch(c -> CertificateRevocation.NO_RESPONDER_URL.equals(c.errorType()));
    }
}
