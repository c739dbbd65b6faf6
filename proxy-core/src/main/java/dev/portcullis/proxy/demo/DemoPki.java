package dev.portcullis.proxy.demo;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import java.nio.file.Path;

/**
 * The blog's PKI shape, written as PEM files: a root CA and an intermediate (together the trust
 * store bundle {@code ca.pem}, also the CA curl trusts for the server), a server certificate for
 * localhost, and client certificates: valid, expired, one from an unrelated CA, and one the demo's
 * KeyValueStore lists as revoked.
 */
public final class DemoPki {
    private DemoPki() {
    }

    /** The KeyValueStore keys of the demo's two valid-looking clients: what the blog's function looks up. */
    public record Serials(String revokedClient, String client) {
    }

    /**
     * Writes the PKI and returns the KeyValueStore keys of {@code revoked-client.pem} and
     * {@code client.pem}: their serials as the blog's function looks them up (the header's hex
     * without colons, a leading 00 kept).
     */
    public static Serials writeTo(Path dir) {
        IssuedCertificate root = CertificateSpec.ca("CN=Portcullis Demo Root CA,O=Portcullis Demo,C=US").selfSigned();
        IssuedCertificate intermediate = CertificateSpec.ca("CN=Portcullis Demo Intermediate CA,O=Portcullis Demo,C=US")
                .pathLength(0).signedBy(root);
        IssuedCertificate server = CertificateSpec.server("CN=localhost,O=Portcullis Demo", "localhost")
                .ipAddress("127.0.0.1").signedBy(root);
        IssuedCertificate client = CertificateSpec.client("CN=client-1,OU=devices,O=Portcullis Demo,C=US")
                .signedBy(intermediate);
        IssuedCertificate revoked = CertificateSpec.client("CN=revoked-client,OU=devices,O=Portcullis Demo,C=US")
                .signedBy(intermediate);
        IssuedCertificate expired = CertificateSpec.client("CN=expired-client,OU=devices,O=Portcullis Demo,C=US")
                .expired().signedBy(intermediate);
        IssuedCertificate otherRoot = CertificateSpec.ca("CN=Somebody Else's CA,O=Elsewhere").selfSigned();
        IssuedCertificate untrusted = CertificateSpec.client("CN=untrusted-client,O=Elsewhere").signedBy(otherRoot);

        String bundle = "# Portcullis demo trust store: root and intermediate CA\n"
                + IssuedCertificate.pemOf(root.certificate(), intermediate.certificate());
        IssuedCertificate.writeString(dir.resolve("ca.pem"), bundle);
        IssuedCertificate.writeString(dir.resolve("Trust_store_bundle.pem"), bundle);
        IssuedCertificate.writeString(dir.resolve("Root_CA.pem"), root.certificatePem());
        server.write(dir.resolve("server.pem"), dir.resolve("server.key"));
        client.write(dir.resolve("client.pem"), dir.resolve("client.key"));
        expired.write(dir.resolve("expired-client.pem"), dir.resolve("expired-client.key"));
        untrusted.write(dir.resolve("untrusted-client.pem"), dir.resolve("untrusted-client.key"));
        revoked.write(dir.resolve("revoked-client.pem"), dir.resolve("revoked-client.key"));
        return new Serials(key(revoked), key(client));
    }

    private static String key(IssuedCertificate certificate) {
        return java.util.HexFormat.of().formatHex(certificate.certificate().getSerialNumber().toByteArray());
    }
}
