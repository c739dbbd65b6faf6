package dev.portcullis.truststore;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;

/**
 * Validates client certificate chains against one {@link TrustStore} the way CloudFront does:
 * a path from the leaf through the presented certificates and the bundle's certificates to a bundle
 * certificate, at most {@value #MAX_CHAIN_DEPTH} certificates deep including the root, validated
 * by the JDK's PKIX validator (revocation off: the revocation module checks the {@link ValidatedPath} after), then CloudFront's key
 * type, signature algorithm and client-auth intent rules. Failures become a {@link FailureCode}
 * and the {@link TlsAlert} to end the handshake with.
 *
 * <p>Thread-safe, and {@link #verify} never throws. Devices reconnect constantly, so successful
 * validations are cached by the exact DER bytes of the presented chain; a hit only re-checks the
 * validity dates. The cache lives and dies with this verifier, i.e. with one trust store version.
 */
public final class ClientCertVerifier {
    /** CloudFront's chain depth limit, counting the leaf and the root. */
    public static final int MAX_CHAIN_DEPTH = 4;
    /** More presented certificates than this are refused before any path building work. */
    static final int MAX_PRESENTED = 10;
    static final int VALIDATED_CACHE_ENTRIES = 10_000;
    private static final int FACTS_CACHE_ENTRIES = 1_000;
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

    private final TrustStore store;
    private final boolean ignoreCertificateExpiry;
    private final Map<X500Principal, List<Anchor>> anchorsBySubject = new HashMap<>();
    private final Set<X509Certificate> bundle;
    private final BoundedCache<DerKey, Validated> validated = new BoundedCache<>(VALIDATED_CACHE_ENTRIES);
    private final BoundedCache<DerKey, CertificateFacts> intermediateFacts = new BoundedCache<>(FACTS_CACHE_ENTRIES);

    /** A bundle certificate ready to end a path. */
    private record Anchor(X509Certificate certificate, TrustAnchor trustAnchor, byte[] subjectKeyId) {
    }

    /** A validated chain: the answer, and the whole path (leaf first, anchor last) whose dates a hit re-checks. */
    private record Validated(VerifiedClient client, List<X509Certificate> path) {
    }

    /** A built path: the certificates to validate (leaf first) and the bundle certificate they end at. */
    private record Path(List<X509Certificate> certificates, Anchor anchor) {
        List<X509Certificate> withAnchor() {
            List<X509Certificate> all = new ArrayList<>(certificates);
            all.add(anchor.certificate());
            return List.copyOf(all);
        }
    }

    public ClientCertVerifier(TrustStore store, boolean ignoreCertificateExpiry) {
        this.store = store;
        this.ignoreCertificateExpiry = ignoreCertificateExpiry;
        this.bundle = Set.copyOf(store.certificates());
        for (X509Certificate certificate : store.certificates()) {
            anchorsBySubject.computeIfAbsent(certificate.getSubjectX500Principal(), k -> new ArrayList<>())
                    .add(new Anchor(certificate, new TrustAnchor(certificate, null), subjectKeyId(certificate)));
        }
    }

    public TrustStore trustStore() {
        return store;
    }

    /**
     * Checks {@code presented} (the leaf first, then whatever else the client sent) at {@code now}.
     * Returns a {@link VerifiedClient} or a {@link Rejection}; never throws.
     */
    public Verification verify(X509Certificate[] presented, Instant now) {
        try {
            return check(presented, now);
        } catch (GeneralSecurityException | RuntimeException e) {
            return reject(FailureCode.ClientCertInvalid, TlsAlert.BAD_CERTIFICATE, "cannot validate the client chain: "
                    + e.getClass().getSimpleName() + ": " + PemCertificates.oneLine(e.getMessage()));
        }
    }

    private Verification check(X509Certificate[] presented, Instant now) throws GeneralSecurityException {
        if (presented == null || presented.length == 0 || presented[0] == null) {
            return reject(FailureCode.ClientCertMissing, TlsAlert.CERTIFICATE_REQUIRED, "no client certificate");
        }
        if (presented.length > MAX_PRESENTED) {
            return reject(FailureCode.ClientCertMaxChainDepthExceeded, TlsAlert.UNKNOWN_CA,
                    "client sent " + presented.length + " certificates, more than " + MAX_PRESENTED);
        }
        if (Arrays.asList(presented).contains(null)) {
            return reject(FailureCode.ClientCertInvalid, TlsAlert.BAD_CERTIFICATE, "empty certificate in the client chain");
        }
        DerKey key = DerKey.of(presented);
        Validated hit = validated.get(key);
        if (hit != null) {
            Rejection dates = ignoreCertificateExpiry ? null : checkDates(hit.path(), now);
            return dates != null ? dates : hit.client();
        }

        Object built = buildPath(presented);
        if (built instanceof Rejection rejection) {
            return rejection;
        }
        Path path = (Path) built;
        X509Certificate leaf = presented[0];
        int depth = path.certificates().size() + 1;
        if (depth > MAX_CHAIN_DEPTH) {
            return reject(FailureCode.ClientCertMaxChainDepthExceeded, TlsAlert.UNKNOWN_CA, "chain of " + depth
                    + " certificates including the root, more than " + MAX_CHAIN_DEPTH + ", for " + describe(leaf));
        }
        Rejection rejection = checkTypes(path);
        if (rejection == null) {
            rejection = validate(path, ignoreCertificateExpiry ? instantInsideAllValidities(path) : now);
        }
        if (rejection == null && !ignoreCertificateExpiry) {
            // The JDK does not check the trust anchor's own dates; OpenSSL (and CloudFront) do.
            rejection = checkDates(List.of(path.anchor().certificate()), now);
        }
        if (rejection == null) {
            rejection = checkIntent(leaf);
        }
        if (rejection != null) {
            return rejection;
        }
        VerifiedClient client = new VerifiedClient(CertificateFacts.of(leaf), factsOfIntermediates(presented),
                validatedPath(path));
        validated.put(key, new Validated(client, path.withAnchor()));
        return client;
    }

    /**
     * Finds the issuers by name (RFC 5280 name matching via X500Principal.equals; the authority key
     * identifier breaks ties between same-named CAs). A bundle certificate ends the path, but we
     * keep climbing through the bundle to its root so the depth counts the whole chain, as OpenSSL
     * does; a bundle holding only an intermediate still works (the intermediate is then the anchor).
     * Returns a {@link Path} or a {@link Rejection}.
     */
    private Object buildPath(X509Certificate[] presented) {
        List<X509Certificate> chain = new ArrayList<>(MAX_CHAIN_DEPTH);
        boolean[] used = new boolean[presented.length];
        X509Certificate current = presented[0];
        chain.add(current);
        used[0] = true;
        while (true) {
            Anchor anchor = bundleIssuerOf(current);
            if (anchor != null) {
                while (!selfIssued(anchor.certificate()) && chain.size() <= TrustStore.MAX_CERTIFICATES) {
                    Anchor up = bundleIssuerOf(anchor.certificate());
                    if (up == null || chain.contains(up.certificate()) || up.certificate().equals(anchor.certificate())) {
                        break;
                    }
                    chain.add(anchor.certificate());
                    anchor = up;
                }
                return new Path(List.copyOf(chain), anchor);
            }
            if (selfIssued(current)) {
                return reject(FailureCode.ClientCertUntrusted, TlsAlert.UNKNOWN_CA,
                        "self-issued certificate not in trust store " + store.id() + ": " + describe(current));
            }
            int next = presentedIssuerOf(current, presented, used);
            if (next < 0) {
                return reject(FailureCode.ClientCertUntrusted, TlsAlert.UNKNOWN_CA, "no issuer "
                        + Rfc2253Names.format(current.getIssuerX500Principal()) + " in trust store " + store.id()
                        + " or the client chain for " + describe(current));
            }
            used[next] = true;
            current = presented[next];
            chain.add(current);
        }
    }

    private Anchor bundleIssuerOf(X509Certificate certificate) {
        List<Anchor> candidates = anchorsBySubject.get(certificate.getIssuerX500Principal());
        if (candidates == null) {
            return null;
        }
        if (candidates.size() > 1) {
            byte[] authorityKeyId = authorityKeyId(certificate);
            for (Anchor candidate : candidates) {
                if (authorityKeyId != null && Arrays.equals(authorityKeyId, candidate.subjectKeyId())) {
                    return candidate;
                }
            }
        }
        return candidates.getFirst();
    }

    private static int presentedIssuerOf(X509Certificate certificate, X509Certificate[] presented, boolean[] used) {
        X500Principal issuer = certificate.getIssuerX500Principal();
        byte[] authorityKeyId = null;
        int found = -1;
        for (int i = 1; i < presented.length; i++) {
            if (used[i] || !presented[i].getSubjectX500Principal().equals(issuer)) {
                continue;
            }
            if (found < 0) {
                found = i;
                authorityKeyId = authorityKeyId(certificate);
            }
            if (authorityKeyId != null && Arrays.equals(authorityKeyId, subjectKeyId(presented[i]))) {
                return i;
            }
        }
        return found;
    }

    private static Rejection checkTypes(Path path) {
        for (X509Certificate certificate : path.certificates()) {
            String why = CertificateTypePolicy.unsupportedKey(certificate.getPublicKey());
            if (why == null) {
                why = CertificateTypePolicy.unsupportedSignature(certificate);
            }
            if (why != null) {
                return reject(FailureCode.ClientCertTypeUnsupported, TlsAlert.UNSUPPORTED_CERTIFICATE,
                        describe(certificate) + ": unsupported " + why);
            }
        }
        String why = CertificateTypePolicy.unsupportedKey(path.anchor().certificate().getPublicKey());
        return why == null ? null : reject(FailureCode.ClientCertTypeUnsupported, TlsAlert.UNSUPPORTED_CERTIFICATE,
                "trust store certificate " + describe(path.anchor().certificate()) + ": unsupported " + why);
    }

    /**
     * With expiry ignored we still validate everything else with the JDK's PKIX validator, which has
     * a single validation date. We use the latest notBefore of the path: if the validity windows
     * overlap, that instant lies inside all of them, so no date check can fail. If they do not
     * overlap (a certificate expired before another became valid, e.g. a leaf issued by an already
     * expired intermediate), no such instant exists: the validator then reports the earlier one
     * expired and the chain is refused as ClientCertExpired. Accepting such chains would need
     * hand-written, date-free path validation, which we deliberately do not have.
     */
    private static Instant instantInsideAllValidities(Path path) {
        Instant latest = Instant.EPOCH;
        for (X509Certificate certificate : path.certificates()) {
            Instant notBefore = certificate.getNotBefore().toInstant();
            if (notBefore.isAfter(latest)) {
                latest = notBefore;
            }
        }
        return latest;
    }

    private static Rejection validate(Path path, Instant at) throws GeneralSecurityException {
        CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path.certificates());
        PKIXParameters parameters = new PKIXParameters(Set.of(path.anchor().trustAnchor()));
        parameters.setRevocationEnabled(false);
        parameters.setDate(Date.from(at));
        try {
            CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
            return null;
        } catch (CertPathValidatorException e) {
            return classify(e, path.certificates());
        }
    }

    private static Rejection classify(CertPathValidatorException e, List<X509Certificate> certificates) {
        int index = e.getIndex();
        String which = index >= 0 && index < certificates.size() ? describe(certificates.get(index)) : "the client chain";
        String message = which + ": " + PemCertificates.oneLine(e.getMessage());
        CertPathValidatorException.Reason reason = e.getReason();
        if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
            return reject(FailureCode.ClientCertExpired, TlsAlert.CERTIFICATE_EXPIRED, message);
        }
        if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
            return reject(FailureCode.ClientCertNotYetValid, TlsAlert.BAD_CERTIFICATE, message);
        }
        if (reason == PKIXReason.NO_TRUST_ANCHOR) {
            return reject(FailureCode.ClientCertUntrusted, TlsAlert.UNKNOWN_CA, message);
        }
        if (reason == PKIXReason.PATH_TOO_LONG) {
            // a CA's pathLenConstraint exceeded: OpenSSL's X509_V_ERR_PATH_LENGTH_EXCEEDED, alerted as unknown_ca
            return reject(FailureCode.ClientCertMaxChainDepthExceeded, TlsAlert.UNKNOWN_CA, message);
        }
        if (reason == PKIXReason.INVALID_KEY_USAGE) {
            // a CA whose keyUsage does not allow certificate signing: the certificate's stated intent
            return reject(FailureCode.ClientCertIntentInvalid, TlsAlert.UNSUPPORTED_CERTIFICATE, message);
        }
        if (reason == CertPathValidatorException.BasicReason.ALGORITHM_CONSTRAINED) {
            return reject(FailureCode.ClientCertTypeUnsupported, TlsAlert.UNSUPPORTED_CERTIFICATE, message);
        }
        // INVALID_SIGNATURE, NOT_CA_CERT, UNRECOGNIZED_CRIT_EXT, INVALID_NAME, INVALID_POLICY, ...
        return reject(FailureCode.ClientCertInvalid, TlsAlert.BAD_CERTIFICATE, message);
    }

    private static Rejection checkDates(List<X509Certificate> path, Instant now) {
        for (X509Certificate certificate : path) {
            Instant notAfter = certificate.getNotAfter().toInstant();
            if (now.isAfter(notAfter)) {
                return reject(FailureCode.ClientCertExpired, TlsAlert.CERTIFICATE_EXPIRED,
                        describe(certificate) + ": expired at " + Iso.seconds(notAfter));
            }
            Instant notBefore = certificate.getNotBefore().toInstant();
            if (now.isBefore(notBefore)) {
                return reject(FailureCode.ClientCertNotYetValid, TlsAlert.BAD_CERTIFICATE,
                        describe(certificate) + ": not valid before " + Iso.seconds(notBefore));
            }
        }
        return null;
    }

    private static Rejection checkIntent(X509Certificate leaf) {
        List<String> extendedKeyUsage;
        try {
            extendedKeyUsage = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            return reject(FailureCode.ClientCertInvalid, TlsAlert.BAD_CERTIFICATE,
                    describe(leaf) + ": unparsable extendedKeyUsage");
        }
        if (extendedKeyUsage != null && !extendedKeyUsage.contains(CLIENT_AUTH)
                && !extendedKeyUsage.contains(ANY_EXTENDED_KEY_USAGE)) {
            return reject(FailureCode.ClientCertIntentInvalid, TlsAlert.UNSUPPORTED_CERTIFICATE,
                    describe(leaf) + ": extendedKeyUsage " + extendedKeyUsage + " lacks clientAuth");
        }
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null && (keyUsage.length == 0 || !keyUsage[0])) {
            return reject(FailureCode.ClientCertIntentInvalid, TlsAlert.UNSUPPORTED_CERTIFICATE,
                    describe(leaf) + ": keyUsage lacks digitalSignature");
        }
        return null;
    }

    private ValidatedPath validatedPath(Path path) {
        List<X509Certificate> certificates = path.certificates();
        List<ValidatedPath.Link> links = new ArrayList<>(certificates.size());
        for (int i = 0; i < certificates.size(); i++) {
            X509Certificate certificate = certificates.get(i);
            X509Certificate issuer = i + 1 < certificates.size() ? certificates.get(i + 1) : path.anchor().certificate();
            links.add(new ValidatedPath.Link(certificate, issuer, bundle.contains(certificate)));
        }
        return new ValidatedPath(links, path.anchor().certificate());
    }

    private List<CertificateFacts> factsOfIntermediates(X509Certificate[] presented) throws GeneralSecurityException {
        List<CertificateFacts> facts = new ArrayList<>(presented.length - 1);
        for (int i = 1; i < presented.length; i++) {
            DerKey key = DerKey.of(presented[i]);
            CertificateFacts known = intermediateFacts.get(key);
            if (known == null) {
                known = CertificateFacts.of(presented[i]);
                intermediateFacts.put(key, known);
            }
            facts.add(known);
        }
        return facts;
    }

    private static boolean selfIssued(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
    }

    private static byte[] authorityKeyId(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue("2.5.29.35");
        try {
            ASN1OctetString keyId = extension == null ? null : AuthorityKeyIdentifier
                    .getInstance(ASN1OctetString.getInstance(extension).getOctets()).getKeyIdentifierObject();
            return keyId == null ? null : keyId.getOctets();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static byte[] subjectKeyId(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue("2.5.29.14");
        try {
            return extension == null ? null
                    : SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(extension).getOctets()).getKeyIdentifier();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String describe(X509Certificate certificate) {
        return "'" + Rfc2253Names.format(certificate.getSubjectX500Principal()) + "' (serial "
                + CertificateFactsParser.serialNumber(certificate) + ")";
    }

    private static Rejection reject(FailureCode code, TlsAlert alert, String reason) {
        return new Rejection(code, alert, reason);
    }
}
