package dev.portcullis.revocation;

import dev.portcullis.truststore.Rfc2253Names;
import dev.portcullis.truststore.TrustStore;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Enumerated;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.cert.X509CRLEntryHolder;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.openssl.PEMParser;

/**
 * Reads a trust store's CRL files (PEM or DER, one CRL each) and refuses, naming the file, whatever
 * could make a check wrong: an unreadable or oversized file, a CRL whose signature does not verify
 * with the trust store CA it names as issuer, a delta CRL (alone it looks complete and would let
 * revoked certificates through), an indirect CRL or one scoped to some reasons or kinds of
 * certificate, an entry naming another issuer, unknown critical extensions, a CRL not yet valid,
 * and two CRLs for the same CA.
 */
public final class CrlLoader {
    /** Larger than any CRL we expect (a 100,000-entry CRL is about 3.5 MB). */
    static final long MAX_CRL_BYTES = 64L * 1024 * 1024;
    /** A CRL issued this far in the future is refused (clock skew between CA and node). */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final Set<String> UNDERSTOOD_CRITICAL = Set.of(Extension.issuingDistributionPoint.getId());

    private CrlLoader() {
    }

    /** Loads {@code files} for {@code store}; {@code now} decides "not yet valid". */
    public static List<IssuerCrl> load(TrustStore store, List<Path> files, Instant now) throws RevocationConfigException {
        List<IssuerCrl> crls = new ArrayList<>();
        for (Path file : files) {
            IssuerCrl crl = loadOne(store, file, now);
            for (IssuerCrl other : crls) {
                if (other.issuer().equals(crl.issuer()) && sameSigner(other, crl)) {
                    throw new RevocationConfigException(file + ": a second CRL for issuer '" + Rfc2253Names.format(crl.issuer())
                            + "' (the first is " + other.source() + "); list one CRL per CA");
                }
            }
            crls.add(crl);
        }
        return crls;
    }

    private static boolean sameSigner(IssuerCrl a, IssuerCrl b) {
        return a.verifiedKey().equals(b.verifiedKey());
    }

    static IssuerCrl loadOne(TrustStore store, Path file, Instant now) throws RevocationConfigException {
        X509CRLHolder holder = parse(file);
        try {
            return read(store, file, holder, now);
        } catch (RuntimeException e) {
            // BouncyCastle parses parts of a CRL lazily (dates, entries, extensions): damage there shows only now
            throw new RevocationConfigException(file + ": malformed CRL: " + oneLine(e.getMessage()), e);
        }
    }

    private static IssuerCrl read(TrustStore store, Path file, X509CRLHolder holder, Instant now)
            throws RevocationConfigException {
        X500Principal issuer;
        try {
            issuer = new X500Principal(holder.getIssuer().getEncoded());
        } catch (IOException | IllegalArgumentException e) {
            throw new RevocationConfigException(file + ": unreadable issuer name: " + e.getMessage(), e);
        }
        String issuerName = Rfc2253Names.format(issuer);
        java.util.Set<org.bouncycastle.asn1.x509.GeneralName> scope = checkExtensions(file, holder);

        // The signer: a trust store CA of that name whose key verifies it; when the store has CAs of
        // that name but none verifies, the CRL is forged or for another CA: refuse.
        PublicKey verifiedKey = null;
        boolean named = false;
        for (X509Certificate ca : store.certificates()) {
            if (ca.getSubjectX500Principal().equals(issuer)) {
                named = true;
                if (IssuerCrl.signatureValid(holder, ca.getPublicKey())) {
                    verifiedKey = ca.getPublicKey();
                    break;
                }
            }
        }
        if (!named) {
            // Most likely the wrong file (another CA's CRL): accepting it would leave the store's
            // clients without a CRL check and say nothing.
            throw new RevocationConfigException(file + ": issued by '" + issuerName + "', which is not a CA of trust store "
                    + store.id() + "; list only the CRLs of its CAs (for an intermediate that clients send, add the"
                    + " intermediate to caCertificatesBundle)");
        }
        if (verifiedKey == null) {
            throw new RevocationConfigException(file + ": signature does not verify with the key of trust store "
                    + store.id() + "'s CA '" + issuerName + "' (signed by another key, or damaged)");
        }

        Instant thisUpdate = holder.getThisUpdate().toInstant();
        if (thisUpdate.isAfter(now.plus(CLOCK_SKEW))) {
            throw new RevocationConfigException(file + ": not valid before " + thisUpdate + " (thisUpdate is in the future;"
                    + " check the clocks of the CA and this node)");
        }
        Optional<Instant> nextUpdate = Optional.ofNullable(holder.getNextUpdate()).map(java.util.Date::toInstant);
        BigInteger number = BigInteger.ONE.negate();
        Extension numberExtension = holder.getExtension(Extension.cRLNumber);
        if (numberExtension != null) {
            number = CRLNumber.getInstance(numberExtension.getParsedValue()).getCRLNumber();
        }

        Map<BigInteger, Instant> revoked = new HashMap<>();
        for (Iterator<?> it = holder.getRevokedCertificates().iterator(); it.hasNext(); ) {
            X509CRLEntryHolder entry = (X509CRLEntryHolder) it.next();
            if (entry.getExtensions() != null && entry.getExtensions().getExtension(Extension.certificateIssuer) != null) {
                throw new RevocationConfigException(file + ": entry for serial " + entry.getSerialNumber().toString(16)
                        + " names another issuer (an indirect CRL); only direct CRLs are supported");
            }
            if (entry.getExtensions() != null) {
                for (Object oid : entry.getExtensions().getCriticalExtensionOIDs()) {
                    if (!oid.toString().equals(Extension.reasonCode.getId())) {
                        throw new RevocationConfigException(file + ": entry for serial " + entry.getSerialNumber().toString(16)
                                + " has an unknown critical extension " + oid);
                    }
                }
            }
            if (reason(entry) == CRLReason.removeFromCRL) {
                continue; // only meaningful in a delta CRL; the certificate is no longer on hold
            }
            revoked.putIfAbsent(entry.getSerialNumber(), entry.getRevocationDate().toInstant());
        }
        return IssuerCrl.of(file, issuer, thisUpdate, nextUpdate, number, revoked, verifiedKey, scope);
    }

    private static int reason(X509CRLEntryHolder entry) {
        Extension reason = entry.getExtensions() == null ? null : entry.getExtensions().getExtension(Extension.reasonCode);
        if (reason == null) {
            return CRLReason.unspecified;
        }
        try {
            return ASN1Enumerated.getInstance(reason.getParsedValue()).intValueExact();
        } catch (RuntimeException e) {
            return CRLReason.unspecified;
        }
    }

    /** Refuses what cannot be checked; returns the partition's distribution point names (empty: the whole CA). */
    private static java.util.Set<org.bouncycastle.asn1.x509.GeneralName> checkExtensions(Path file, X509CRLHolder holder)
            throws RevocationConfigException {
        if (holder.getExtension(Extension.deltaCRLIndicator) != null) {
            throw new RevocationConfigException(file + ": a delta CRL (deltaCRLIndicator); give the complete CRL: a delta"
                    + " checked alone looks complete and would let revoked certificates through");
        }
        for (Object oid : holder.getCriticalExtensionOIDs()) {
            if (!UNDERSTOOD_CRITICAL.contains(oid.toString())) {
                throw new RevocationConfigException(file + ": unknown critical extension " + oid);
            }
        }
        Extension idp = holder.getExtension(Extension.issuingDistributionPoint);
        if (idp != null) {
            IssuingDistributionPoint point = IssuingDistributionPoint.getInstance(idp.getParsedValue());
            String scope = point.isIndirectCRL() ? "indirect CRL"
                    : point.getOnlySomeReasons() != null ? "only some revocation reasons"
                    : point.onlyContainsUserCerts() ? "only end-entity certificates"
                    : point.onlyContainsCACerts() ? "only CA certificates"
                    : point.onlyContainsAttributeCerts() ? "only attribute certificates" : null;
            if (scope != null) {
                throw new RevocationConfigException(file + ": a partial CRL (issuingDistributionPoint: " + scope
                        + "); give the CA's complete CRL");
            }
            if (point.getDistributionPoint() != null
                    && point.getDistributionPoint().getType() == org.bouncycastle.asn1.x509.DistributionPointName.FULL_NAME) {
                return java.util.Set.of(org.bouncycastle.asn1.x509.GeneralNames.getInstance(
                        point.getDistributionPoint().getName()).getNames());
            }
        }
        return java.util.Set.of();
    }

    private static X509CRLHolder parse(Path file) throws RevocationConfigException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_CRL_BYTES) {
                throw new RevocationConfigException(file + ": " + size + " bytes, more than the limit of " + MAX_CRL_BYTES);
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new RevocationConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (bytes.length == 0) {
            throw new RevocationConfigException(file + ": empty file, expected a CRL (PEM or DER)");
        }
        try {
            if (bytes[0] == 0x30) {
                return new X509CRLHolder(bytes);
            }
            try (PEMParser pem = new PEMParser(new StringReader(new String(bytes, StandardCharsets.US_ASCII)))) {
                Object first = pem.readObject();
                if (!(first instanceof X509CRLHolder crl)) {
                    throw new RevocationConfigException(file + ": expected a PEM 'X509 CRL' block, found "
                            + (first == null ? "none" : "a " + first.getClass().getSimpleName()));
                }
                if (pem.readObject() != null) {
                    throw new RevocationConfigException(file + ": more than one PEM block; give one CRL per file");
                }
                return crl;
            }
        } catch (IOException | RuntimeException e) {
            throw new RevocationConfigException(file + ": not a CRL (PEM or DER): " + oneLine(e.getMessage()), e);
        }
    }

    /**
     * One line for the node's log from a message that may carry a peer's bytes (a responder's header,
     * a file's content): control characters become '?', and at most 300 characters are kept.
     */
    static String oneLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        String line = message.replaceAll("\\s+", " ").trim().replaceAll("\\p{Cntrl}", "?");
        return line.length() <= 300 ? line : line.substring(0, 300) + "...";
    }
}
