package dev.portcullis.proxy.e2e;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.pki.KeyType;
import java.math.BigInteger;
import java.nio.file.Path;
import org.bouncycastle.asn1.x509.KeyPurposeId;

/**
 * One PKI for the end-to-end tests, written as PEM files: root → intermediate → clients, a server
 * certificate for localhost and other.test, and the odd clients each failure class needs.
 * Client files: NAME.pem (leaf), NAME.key, NAME-chain.pem (leaf and intermediates, for curl).
 */
final class TestPki {
    final Path dir;
    final IssuedCertificate root;
    final IssuedCertificate intermediate;

    TestPki(Path dir) {
        this.dir = dir;
        root = CertificateSpec.ca("CN=Test Root CA,O=Portcullis Tests,C=US").selfSigned();
        intermediate = CertificateSpec.ca("CN=Test Intermediate CA,O=Portcullis Tests,C=US").signedBy(root);
        IssuedCertificate.writeString(dir.resolve("bundle.pem"),
                "# test trust store\n" + IssuedCertificate.pemOf(root.certificate(), intermediate.certificate()));
        IssuedCertificate.writeString(dir.resolve("root.pem"), root.certificatePem());
        CertificateSpec.server("CN=localhost", "localhost", "other.test", "anon.test").ipAddress("127.0.0.1")
                .signedBy(root).write(dir.resolve("server.pem"), dir.resolve("server.key"));

        client("client", CertificateSpec.client("CN=client-1,OU=devices,O=Example,C=US"), intermediate);
        client("special", CertificateSpec.client("CN=J\u00fcrgen \\\"Q\\\" \\, Sons;x\\+y,O=Ex<a>mple\\\\,C=DE")
                .serial(new BigInteger("9e2aaf16", 16)), intermediate);
        client("rsa", CertificateSpec.client("CN=rsa-client,O=Example").keyType(KeyType.RSA_2048), intermediate);
        client("expired", CertificateSpec.client("CN=expired,O=Example").expired(), intermediate);
        client("future", CertificateSpec.client("CN=future,O=Example").notYetValid(), intermediate);
        client("server-only", CertificateSpec.of("CN=server-only,O=Example").extendedKeyUsage(KeyPurposeId.id_kp_serverAuth), intermediate);
        IssuedCertificate otherRoot = CertificateSpec.ca("CN=Other Root,O=Elsewhere").selfSigned();
        client("untrusted", CertificateSpec.client("CN=untrusted,O=Elsewhere"), otherRoot);

        // depth 4 incl. root: root -> intermediate -> sub -> leaf; depth 5 adds one more CA.
        IssuedCertificate sub = CertificateSpec.ca("CN=Sub CA,O=Portcullis Tests").signedBy(intermediate);
        client("depth4", CertificateSpec.client("CN=depth4,O=Example"), sub, intermediate);
        IssuedCertificate subsub = CertificateSpec.ca("CN=Sub Sub CA,O=Portcullis Tests").signedBy(sub);
        client("depth5", CertificateSpec.client("CN=depth5,O=Example"), subsub, sub, intermediate);
    }

    /** Another client certificate signed by the test intermediate, written as NAME.pem/.key/-chain.pem. */
    void addClient(String name, CertificateSpec spec) {
        client(name, spec, intermediate);
    }

    private void client(String name, CertificateSpec spec, IssuedCertificate issuer, IssuedCertificate... more) {
        IssuedCertificate leaf = spec.signedBy(issuer);
        leaf.write(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
        StringBuilder chain = new StringBuilder(leaf.certificatePem());
        chain.append(issuer.certificatePem());
        for (IssuedCertificate c : more) {
            chain.append(c.certificatePem());
        }
        IssuedCertificate.writeString(dir.resolve(name + "-chain.pem"), chain.toString());
    }

    String path(String file) {
        return dir.resolve(file).toString();
    }
}
