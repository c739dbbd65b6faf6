package dev.portcullis.revocation;

import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.CertificateRevocation;
import dev.portcullis.truststore.CertificateRevocation.Method;
import dev.portcullis.truststore.CertificateRevocation.Status;
import dev.portcullis.truststore.Rfc2253Names;
import dev.portcullis.truststore.ValidatedPath;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * A trust store's CRLs by issuer name, immutable: one generation's view. A certificate is covered
 * by the CRL of its issuer's name that its issuer's key signed. Covered and listed: Revoked; covered
 * by an expired CRL: Error (CrlExpired); not covered: not checked, or Error (NoCrl) when every issuer
 * must have a CRL.
 */
public final class CrlSet {
    private final Map<X500Principal, List<IssuerCrl>> byIssuer = new HashMap<>();
    private final List<IssuerCrl> all;
    private final boolean requireCrlForEveryIssuer;

    public CrlSet(List<IssuerCrl> crls, boolean requireCrlForEveryIssuer) {
        this.all = List.copyOf(crls);
        this.requireCrlForEveryIssuer = requireCrlForEveryIssuer;
        for (IssuerCrl crl : all) {
            byIssuer.computeIfAbsent(crl.issuer(), k -> new ArrayList<>()).add(crl);
        }
    }

    public static CrlSet none() {
        return new CrlSet(List.of(), false);
    }

    public List<IssuerCrl> crls() {
        return all;
    }

    /**
     * Why this set would roll a CA's CRL back from {@code loaded} (the one serving), or empty: a CRL
     * with a lower CRL number, or (without numbers) an earlier thisUpdate, than the same CA's loaded
     * one. Loading it would un-revoke what the newer one revoked (a sync gone wrong, a stale mirror).
     */
    public Optional<String> rollbackFrom(CrlSet loaded) {
        for (IssuerCrl next : all) {
            for (IssuerCrl before : loaded.all) {
                if (!before.issuer().equals(next.issuer()) || !before.verifiedKey().equals(next.verifiedKey())) {
                    continue;
                }
                boolean numbered = next.crlNumber().signum() >= 0 && before.crlNumber().signum() >= 0;
                if (numbered ? next.crlNumber().compareTo(before.crlNumber()) < 0 : next.thisUpdate().isBefore(before.thisUpdate())) {
                    return Optional.of(next.source() + ": older than the CRL of '" + Rfc2253Names.format(next.issuer())
                            + "' the node serves (" + (numbered ? "CRL number " + next.crlNumber() + " < " + before.crlNumber()
                            : "thisUpdate " + next.thisUpdate() + " < " + before.thisUpdate()) + "); loading it would"
                            + " un-revoke certificates the newer one revokes");
                }
            }
        }
        return Optional.empty();
    }

    public boolean active() {
        return !all.isEmpty() || requireCrlForEveryIssuer;
    }

    /**
     * RFC 5280 6.3.3 (b)(2)(i): a CRL with distribution point names covers a certificate whose CRL
     * distribution points name one of them, or which names none.
     */
    private static boolean inScope(IssuerCrl crl, java.security.cert.X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue(org.bouncycastle.asn1.x509.Extension.cRLDistributionPoints.getId());
        if (extension == null) {
            return true;
        }
        try {
            org.bouncycastle.asn1.x509.CRLDistPoint points = org.bouncycastle.asn1.x509.CRLDistPoint.getInstance(
                    org.bouncycastle.asn1.ASN1OctetString.getInstance(extension).getOctets());
            for (org.bouncycastle.asn1.x509.DistributionPoint point : points.getDistributionPoints()) {
                if (point.getDistributionPoint() != null
                        && point.getDistributionPoint().getType() == org.bouncycastle.asn1.x509.DistributionPointName.FULL_NAME) {
                    for (org.bouncycastle.asn1.x509.GeneralName name : org.bouncycastle.asn1.x509.GeneralNames.getInstance(
                            point.getDistributionPoint().getName()).getNames()) {
                        if (crl.scope().contains(name)) {
                            return true;
                        }
                    }
                }
            }
            return false;
        } catch (RuntimeException unreadable) {
            return false;
        }
    }

    /** The CRL verdict on one link of a path, or empty when no CRL covers it (and none is required). */
    public Optional<CertificateRevocation> check(ValidatedPath.Link link, Instant now) {
        List<IssuerCrl> candidates = byIssuer.get(link.certificate().getIssuerX500Principal());
        String serial = CertificateFacts.serialOf(link.certificate());
        if (candidates == null) {
            return requireCrlForEveryIssuer ? Optional.of(CertificateRevocation.undetermined(Method.CRL, Status.Error, "NoCrl",
                    serial, "no CRL for issuer '" + Rfc2253Names.format(link.certificate().getIssuerX500Principal())
                            + "' and requireCrlForEveryIssuer is set")) : Optional.empty();
        }
        IssuerCrl crl = null;
        for (IssuerCrl candidate : candidates) {
            if (candidate.signedWith(link.issuer().getPublicKey())) {
                crl = candidate;
                break;
            }
        }
        if (crl == null) {
            // CRLs of that name belong to another CA of the same name: this issuer has none
            return requireCrlForEveryIssuer ? Optional.of(CertificateRevocation.undetermined(Method.CRL, Status.Error, "NoCrl",
                    serial, "no CRL signed by the key of issuer '" + Rfc2253Names.format(link.issuer().getSubjectX500Principal())
                            + "'")) : Optional.empty();
        }
        if (!crl.scope().isEmpty() && !inScope(crl, link.certificate())) {
            return Optional.of(CertificateRevocation.undetermined(Method.CRL, Status.Error, "NoCrl", serial,
                    crl.source() + " is one partition of its CA's CRLs (issuingDistributionPoint " + crl.scope()
                            + ") and the certificate points to another"));
        }
        Instant revokedAt = crl.revoked().get(link.certificate().getSerialNumber());
        if (revokedAt != null) {
            return Optional.of(CertificateRevocation.revoked(Method.CRL, serial, "listed in " + crl.source()
                    + " (revoked at " + revokedAt + ")"));
        }
        if (crl.expiredAt(now)) {
            return Optional.of(CertificateRevocation.undetermined(Method.CRL, Status.Error, "CrlExpired", serial,
                    crl.source() + " expired at " + crl.nextUpdate().orElseThrow()));
        }
        return Optional.of(CertificateRevocation.good(Method.CRL, serial));
    }
}
