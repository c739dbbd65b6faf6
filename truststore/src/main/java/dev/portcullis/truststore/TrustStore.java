package dev.portcullis.truststore;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded trust store: the CA certificates (roots and intermediates) of one PEM bundle, checked
 * against CloudFront's quotas. Immutable; reloading makes a new instance.
 */
public final class TrustStore {
    /** CloudFront's quotas for a trust store bundle. */
    public static final long MAX_BUNDLE_BYTES = 64 * 1024;
    public static final int MAX_CERTIFICATES = 25;

    private static final Logger LOG = LoggerFactory.getLogger(TrustStore.class);

    private final String id;
    private final List<X509Certificate> certificates;

    private TrustStore(String id, List<X509Certificate> certificates) {
        this.id = id;
        this.certificates = List.copyOf(certificates);
    }

    /**
     * Loads {@code bundle}. Refuses a missing or unreadable file, one over 64 KB, one without
     * certificates or with more than 25, any block that is not a CERTIFICATE, an unparsable
     * certificate and any certificate that is not a CA (basicConstraints CA=true).
     */
    public static TrustStore load(String id, Path bundle) throws TrustStoreException {
        List<PemCertificates.Located> located;
        try {
            located = PemCertificates.readLocated(bundle, MAX_BUNDLE_BYTES);
        } catch (CertificateFileException e) {
            throw new TrustStoreException("trust store " + id + ": " + e.getMessage(), e);
        }
        if (located.size() > MAX_CERTIFICATES) {
            throw new TrustStoreException("trust store " + id + ": " + bundle + ": " + located.size()
                    + " certificates, more than the limit of " + MAX_CERTIFICATES);
        }
        List<X509Certificate> certificates = new ArrayList<>(located.size());
        for (int i = 0; i < located.size(); i++) {
            X509Certificate certificate = located.get(i).certificate();
            if (certificate.getBasicConstraints() < 0) {
                throw new TrustStoreException("trust store " + id + ": " + bundle + ": certificate " + (i + 1)
                        + " (line " + located.get(i).line() + "): not a CA certificate (no basicConstraints CA=true): "
                        + Rfc2253Names.format(certificate.getSubjectX500Principal()));
            }
            certificates.add(certificate);
        }
        LOG.info("trust store {} loaded from {}: {} CA certificates", id, bundle, certificates.size());
        return new TrustStore(id, certificates);
    }

    /** Wraps certificates that were already checked elsewhere (tests, other loaders); no quota checks. */
    static TrustStore of(String id, List<X509Certificate> certificates) {
        return new TrustStore(id, certificates);
    }

    public String id() {
        return id;
    }

    /** The bundle's certificates in file order. */
    public List<X509Certificate> certificates() {
        return certificates;
    }

    /** The certificates, for advertising CA names in the CertificateRequest; a fresh array each call. */
    public X509Certificate[] acceptedIssuers() {
        return certificates.toArray(X509Certificate[]::new);
    }

    @Override
    public String toString() {
        return "TrustStore[" + id + ", " + certificates.size() + " certificates]";
    }
}
