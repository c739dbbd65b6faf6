package dev.portcullis.microbench;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.truststore.TrustStore;
import dev.portcullis.truststore.TrustStoreException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * A depth-3 P-256 chain as devices present it: root (in the trust store) → intermediate → leaf,
 * the client sending leaf and intermediate.
 */
record DeviceChain(IssuedCertificate root, IssuedCertificate intermediate, IssuedCertificate leaf) {

    static DeviceChain generate(String deviceName) {
        IssuedCertificate root = CertificateSpec.ca("CN=Bench Root CA,O=Portcullis Bench").selfSigned();
        IssuedCertificate intermediate = CertificateSpec.ca("CN=Bench Devices CA,O=Portcullis Bench").pathLength(0)
                .signedBy(root);
        IssuedCertificate leaf = CertificateSpec.client("CN=" + deviceName + ",O=Portcullis Bench")
                .dnsName(deviceName + ".devices.example.com").signedBy(intermediate);
        return new DeviceChain(root, intermediate, leaf);
    }

    /** What the client sends: leaf first, then the intermediate. */
    X509Certificate[] presented() {
        return new X509Certificate[] {leaf.certificate(), intermediate.certificate()};
    }

    /** The presented chain as DER, the form it arrives in from the TLS stack. */
    byte[][] presentedDer() {
        try {
            return new byte[][] {leaf.certificate().getEncoded(), intermediate.certificate().getEncoded()};
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A trust store holding only the root, loaded the way the server loads one (from a PEM file). */
    TrustStore trustStore() {
        try {
            Path bundle = Files.createTempFile("microbench-bundle", ".pem");
            try {
                IssuedCertificate.writeString(bundle, root.certificatePem());
                return TrustStore.load("bench", bundle);
            } finally {
                Files.deleteIfExists(bundle);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (TrustStoreException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses {@code der} into new certificate objects. {@code generateCertificates} (unlike
     * {@code generateCertificate}) bypasses the JDK's parsed-certificate cache, and a new
     * X509CertImpl has no remembered signature verification, so validating these does the full work.
     */
    static X509Certificate[] parseFresh(CertificateFactory factory, byte[][] der) throws CertificateException {
        X509Certificate[] out = new X509Certificate[der.length];
        for (int i = 0; i < der.length; i++) {
            out[i] = (X509Certificate) factory.generateCertificates(new ByteArrayInputStream(der[i])).iterator().next();
        }
        return out;
    }
}
