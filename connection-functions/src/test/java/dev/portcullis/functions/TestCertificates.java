package dev.portcullis.functions;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.truststore.CertificateFacts;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * Real certificates from pki-builder, with their facts computed here through the record constructor
 * (the truststore's CertificateFacts.of() parser is written by someone else in parallel).
 */
final class TestCertificates {
    static final IssuedCertificate ROOT = CertificateSpec.ca("CN=Test Root CA,O=Example").selfSigned();
    static final IssuedCertificate INTERMEDIATE = CertificateSpec.ca("CN=Test Issuing CA,O=Example").signedBy(ROOT);

    private TestCertificates() {
    }

    static IssuedCertificate client(String subject) {
        return CertificateSpec.client(subject).dnsName("device.example.com").signedBy(INTERMEDIATE);
    }

    static CertificateFacts facts(X509Certificate certificate) {
        try {
            String serial = HexFormat.ofDelimiter(":").formatHex(certificate.getSerialNumber().toByteArray());
            String fingerprint = HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
            String san = certificate.getSubjectAlternativeNames() == null ? "" : "DNS:device.example.com";
            return new CertificateFacts(serial,
                    certificate.getIssuerX500Principal().getName(X500Principal.RFC2253),
                    certificate.getSubjectX500Principal().getName(X500Principal.RFC2253),
                    certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant(),
                    fingerprint, san, certificate);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A connection presenting {@code leaf} and the intermediate CA. */
    static ConnectionInput connection(String connectionId, IssuedCertificate leaf) {
        ClientCertificate chain = new ClientCertificate(facts(leaf.certificate()),
                List.of(facts(INTERMEDIATE.certificate())));
        return new ConnectionInput(connectionId, "198.51.100.7", "api.example.com", "E2QWRUHEXAMPLE",
                Optional.of(chain));
    }

    static ConnectionInput withoutCertificate(String connectionId) {
        return new ConnectionInput(connectionId, "198.51.100.8", null, "E2QWRUHEXAMPLE", Optional.empty());
    }

    /** The serial as the blog's function turns it into a key: hex without colons. */
    static String storeKey(IssuedCertificate certificate) {
        return facts(certificate.certificate()).serialNumber().replace(":", "");
    }
}
