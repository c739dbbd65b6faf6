package dev.portcullis.truststore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustStoreTest {
    static IssuedCertificate root;
    static IssuedCertificate intermediate;
    static IssuedCertificate leaf;

    @TempDir
    Path dir;

    @BeforeAll
    static void pki() {
        root = CertificateSpec.ca("CN=Root CA,O=Example").selfSigned();
        intermediate = CertificateSpec.ca("CN=Intermediate CA,O=Example").signedBy(root);
        leaf = CertificateSpec.client("CN=client-1,O=Example").signedBy(intermediate);
    }

    @Test
    void loadsBundleWithCommentsAndBlankLines() throws Exception {
        Path bundle = write("bundle.pem", "# Example roots\n\n" + root.certificatePem() + "\n# the intermediate\n"
                + intermediate.certificatePem().replace("\n", "\r\n"));
        TrustStore store = TrustStore.load("ts-1", bundle);
        assertThat(store.id()).isEqualTo("ts-1");
        assertThat(store.certificates()).containsExactly(root.certificate(), intermediate.certificate());
        assertThat(store.acceptedIssuers()).containsExactly(root.certificate(), intermediate.certificate());
    }

    @Test
    void missingFile() {
        Path missing = dir.resolve("nope.pem");
        assertThatThrownBy(() -> TrustStore.load("ts", missing))
                .isInstanceOf(TrustStoreException.class).hasMessageContaining(missing + ": no such file");
    }

    @Test
    void directoryInsteadOfFile() {
        assertThatThrownBy(() -> TrustStore.load("ts", dir)).hasMessageContaining(dir + ": is a directory");
    }

    @Test
    void unreadableFile() throws Exception {
        Path bundle = write("secret.pem", root.certificatePem());
        bundle.toFile().setReadable(false);
        if (Files.isReadable(bundle)) {
            return; // running as root: permissions do not apply, nothing to test
        }
        assertThatThrownBy(() -> TrustStore.load("ts", bundle)).hasMessageContaining(bundle + ": permission denied");
    }

    @Test
    void noCertificate() throws Exception {
        Path bundle = write("empty.pem", "# nothing here yet\n\n");
        assertThatThrownBy(() -> TrustStore.load("ts", bundle)).hasMessageContaining(bundle + ": no certificate");
    }

    @Test
    void privateKeyBlockIsRefusedWithItsLine() throws Exception {
        Path bundle = write("withkey.pem", root.certificatePem() + leaf.privateKeyPem());
        int keyLine = root.certificatePem().split("\n").length + 1;
        assertThatThrownBy(() -> TrustStore.load("ts", bundle))
                .hasMessageContaining(bundle + ": line " + keyLine + ": a 'PRIVATE KEY' block")
                .hasMessageNotContaining(leaf.privateKeyPem().split("\n")[1]);
    }

    @Test
    void strayTextIsRefused() throws Exception {
        Path bundle = write("stray.pem", "subject=CN=Root CA\n" + root.certificatePem());
        assertThatThrownBy(() -> TrustStore.load("ts", bundle)).hasMessageContaining(bundle + ": line 1: expected");
    }

    @Test
    void unparsableCertificateNamesPositionAndLine() throws Exception {
        String broken = "-----BEGIN CERTIFICATE-----\nMIIBAAAAAAAA\n-----END CERTIFICATE-----\n";
        Path bundle = write("broken.pem", root.certificatePem() + "# next\n" + broken);
        int line = root.certificatePem().split("\n").length + 2;
        assertThatThrownBy(() -> TrustStore.load("ts", bundle))
                .hasMessageContaining(bundle + ": certificate 2 (line " + line + "): not a valid X.509 certificate");
    }

    @Test
    void invalidBase64() throws Exception {
        Path bundle = write("b64.pem", root.certificatePem().replaceFirst("\n(.)", "\n*$1"));
        assertThatThrownBy(() -> TrustStore.load("ts", bundle))
                .hasMessageContaining(bundle + ": certificate 1 (line 1): invalid base64");
    }

    @Test
    void beginWithoutEnd() throws Exception {
        String pem = root.certificatePem();
        Path bundle = write("cut.pem", pem.substring(0, pem.indexOf("-----END")));
        assertThatThrownBy(() -> TrustStore.load("ts", bundle))
                .hasMessageContaining(bundle + ": line 1: BEGIN CERTIFICATE without a matching END");
    }

    @Test
    void nonCaCertificateIsRefused() throws Exception {
        Path bundle = write("leaf.pem", root.certificatePem() + "\n" + leaf.certificatePem());
        int line = root.certificatePem().split("\n").length + 2;
        assertThatThrownBy(() -> TrustStore.load("ts", bundle))
                .hasMessageContaining(bundle + ": certificate 2 (line " + line
                        + "): not a CA certificate (no basicConstraints CA=true): CN=client-1,O=Example");
    }

    @Test
    void atMost25Certificates() throws Exception {
        StringBuilder pem = new StringBuilder();
        for (int i = 0; i < 25; i++) {
            pem.append(root.certificatePem());
        }
        assertThat(TrustStore.load("ts", write("25.pem", pem.toString())).certificates()).hasSize(25);
        Path bundle = write("26.pem", pem + intermediate.certificatePem());
        assertThatThrownBy(() -> TrustStore.load("ts", bundle))
                .hasMessageContaining(bundle + ": 26 certificates, more than the limit of 25");
    }

    @Test
    void atMost64KiB() throws Exception {
        String pem = root.certificatePem();
        String padding = "#".repeat(99) + "\n";
        StringBuilder text = new StringBuilder(pem);
        while (text.length() + padding.length() <= 64 * 1024) {
            text.append(padding);
        }
        text.append("#".repeat(64 * 1024 - text.length() - 1)).append('\n');
        assertThat(text.length()).isEqualTo(64 * 1024);
        assertThat(TrustStore.load("ts", write("max.pem", text.toString())).certificates()).hasSize(1);
        Path bundle = write("big.pem", text + "\n");
        assertThatThrownBy(() -> TrustStore.load("ts", bundle))
                .hasMessageContaining(bundle + ": 65537 bytes, more than the limit of 65536");
    }

    @Test
    void pemCertificatesReadsAChainInOrder() throws Exception {
        Path chain = write("chain.pem", IssuedCertificate.pemOf(leaf.certificate(), intermediate.certificate()));
        List<X509Certificate> certificates = PemCertificates.read(chain);
        assertThat(certificates).containsExactly(leaf.certificate(), intermediate.certificate());
        Path keyFile = write("key.pem", leaf.privateKeyPem());
        assertThatThrownBy(() -> PemCertificates.read(keyFile)).isInstanceOf(CertificateFileException.class)
                .hasMessageContaining(keyFile + ": line 1: a 'PRIVATE KEY' block");
    }

    @Test
    void trailingBytesAfterTheDerAreRefused() throws Exception {
        byte[] der = root.certificate().getEncoded();
        byte[] longer = java.util.Arrays.copyOf(der, der.length + 2);
        String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(longer);
        Path bundle = write("trail.pem", "-----BEGIN CERTIFICATE-----\n" + b64 + "\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> PemCertificates.read(bundle)).hasMessageContaining("certificate 1 (line 1)");
    }

    private Path write(String name, String text) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    static List<X509Certificate> list(IssuedCertificate... certificates) {
        List<X509Certificate> out = new ArrayList<>();
        for (IssuedCertificate c : certificates) {
            out.add(c.certificate());
        }
        return out;
    }
}
