package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several distributions on one listener, picked by SNI: optional (advertising CA names, ignoring
 * expiry), passthrough, and the 421 that keeps one distribution's clients away from another's origin.
 */
class ModesAndRoutingTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        String origin = "http://127.0.0.1:ORIGIN";
        edge = EdgeFixture.start(pki,
                EdgeFixture.distribution("EOPT", "localhost",
                        "{mode: optional, trustStoreConfig: {trustStoreId: ts1, advertiseTrustStoreCaNames: true, ignoreCertificateExpiry: true}}",
                        origin)
                + EdgeFixture.distribution("EPASS", "other.test", "{mode: passthrough}", origin),
                "");
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void optionalModeWithoutCertificateSendsOnlyPresentZero() {
        Proc response = edge.get(null, "/");
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        assertThat(response.stdout()).startsWith("GET / HTTP/1.1");
        assertThat(response.echoed("CloudFront-Viewer-Cert-Present")).isEqualTo("0");
        assertThat(response.echoed("CloudFront-Viewer-Cert-Subject")).isNull();
    }

    @Test
    void optionalModeStillRefusesAnUntrustedCertificate() {
        Proc handshake = edge.sClient("untrusted", "-tls1_3");
        assertThat(handshake.stdout() + handshake.stderr()).containsIgnoringCase("alert unknown ca");
    }

    @Test
    void ignoreCertificateExpiryLetsAnExpiredButTrustedCertificateIn() {
        Proc response = edge.get("expired", "/");
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        assertThat(response.echoed("CloudFront-Viewer-Cert-Subject")).isEqualTo("CN=expired,O=Example");
    }

    @Test
    void advertisedCaNamesAreTheTrustStoreSubjects() {
        Proc handshake = edge.sClient("client", "-tls1_3");
        assertThat(handshake.stdout()).contains("Acceptable client certificate CA names")
                .contains("CN = Test Root CA").contains("CN = Test Intermediate CA");
    }

    @Test
    void passthroughForwardsTheChainAsRfc9440Headers() throws Exception {
        java.util.List<String> cmd = edge.curl("untrusted");
        cmd.add(edge.url("/").replace("localhost", "other.test"));
        Proc response = Proc.run(cmd);
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        String leaf = response.echoed("Client-Cert");
        assertThat(leaf).startsWith(":").endsWith(":");
        byte[] der = Base64.getDecoder().decode(leaf.substring(1, leaf.length() - 1));
        java.security.cert.X509Certificate sent = (java.security.cert.X509Certificate)
                java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(
                        java.nio.file.Files.newInputStream(Path.of(edge.pki.path("untrusted.pem"))));
        assertThat(der).isEqualTo(sent.getEncoded());
        assertThat(response.echoed("Client-Cert-Chain")).startsWith(":").endsWith(":").doesNotContain(leaf);
        assertThat(response.echoed("CloudFront-Viewer-Cert-Subject")).isNull();
    }

    @Test
    void aHostOfAnotherDistributionIsMisdirected() {
        // SNI localhost (optional distribution) but Host other.test (passthrough distribution).
        Proc response = edge.get("client", "/", "-H", "Host: other.test", "-w", "%{http_code}");
        assertThat(response.stdout()).endsWith("421").doesNotContain("body-bytes");
        Proc h2 = edge.get("client", "/", "--http2", "-H", "Host: other.test", "-w", "%{http_code}");
        assertThat(h2.stdout()).endsWith("421");
    }
}
