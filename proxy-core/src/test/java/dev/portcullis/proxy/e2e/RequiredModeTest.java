package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Mode required, end to end with the real curl and openssl s_client against a real origin. */
class RequiredModeTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        edge = EdgeFixture.start(pki, EdgeFixture.distribution("EREQ", "localhost", EdgeFixture.required(),
                "h2c://127.0.0.1:ORIGIN"), "");
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"--http1.1", "--http2"})
    void aValidClientReachesTheOriginWithItsCertificateHeaders(String protocol) {
        Proc response = edge.get("client", "/hello?x=1", protocol, "-H", "Host: localhost");
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        assertThat(response.stdout()).startsWith("GET /hello?x=1 HTTP/2");
        assertThat(response.echoed("CloudFront-Viewer-Cert-Present")).isEqualTo("1");
        assertThat(response.echoed("CloudFront-Viewer-Cert-Subject")).isEqualTo("CN=client-1,OU=devices,O=Example,C=US");
        assertThat(response.echoed("CloudFront-Viewer-Cert-Issuer")).isEqualTo("CN=Test Intermediate CA,O=Portcullis Tests,C=US");
        assertThat(response.echoed("X-Forwarded-Proto")).isEqualTo("https");
        assertThat(response.echoed("X-Forwarded-For")).isEqualTo("127.0.0.1");
    }

    @Test
    void headerValuesMatchWhatOpensslPrintsForTheSameCertificate() {
        Proc response = edge.get("special", "/");
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        String pem = edge.pki.path("special.pem");
        String subject = edge.openssl("x509", "-in", pem, "-noout", "-subject", "-nameopt", "RFC2253").stdout().trim();
        String issuer = edge.openssl("x509", "-in", pem, "-noout", "-issuer", "-nameopt", "RFC2253").stdout().trim();
        String serial = edge.openssl("x509", "-in", pem, "-noout", "-serial").stdout().trim();
        String sha256 = edge.openssl("x509", "-in", pem, "-noout", "-fingerprint", "-sha256").stdout().trim();
        assertThat(response.echoed("CloudFront-Viewer-Cert-Subject")).isEqualTo(subject.substring("subject=".length()));
        assertThat(response.echoed("CloudFront-Viewer-Cert-Issuer")).isEqualTo(issuer.substring("issuer=".length()));
        // openssl prints the number (9E2AAF16); the header shows the DER bytes, keeping the 00 that
        // keeps the INTEGER positive, lowercase and colon-separated.
        assertThat(serial).isEqualTo("serial=9E2AAF16");
        assertThat(response.echoed("CloudFront-Viewer-Cert-Serial-Number")).isEqualTo("00:9e:2a:af:16");
        assertThat(response.echoed("CloudFront-Viewer-Cert-Sha256"))
                .isEqualTo(sha256.substring(sha256.indexOf('=') + 1).replace(":", "").toLowerCase());
        assertThat(response.echoed("CloudFront-Viewer-Cert-Validity")).matches(
                "NotBefore=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ;NotAfter=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(response.echoed("CloudFront-Viewer-Cert-Pem")).startsWith("-----BEGIN%20CERTIFICATE-----%0A")
                .endsWith("-----END%20CERTIFICATE-----%0A");
    }

    @Test
    void clientSentCertificateHeadersAreStrippedWhateverTheirCase() {
        Proc response = edge.get("client", "/", "-H", "cloudfront-viewer-cert-subject: CN=admin",
                "-H", "CLOUDFRONT-VIEWER-CERT-PRESENT: 7", "-H", "Client-Cert: :AAAA:", "-H", "client-cert-chain: :AAAA:",
                "-H", "X-Forwarded-For: 10.9.9.9", "-H", "X-Forwarded-Proto: http");
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        assertThat(response.echoedAll("CloudFront-Viewer-Cert-Subject")).containsExactly("CN=client-1,OU=devices,O=Example,C=US");
        assertThat(response.echoedAll("CloudFront-Viewer-Cert-Present")).containsExactly("1");
        assertThat(response.echoed("Client-Cert")).isNull();
        assertThat(response.echoed("Client-Cert-Chain")).isNull();
        assertThat(response.echoedAll("X-Forwarded-Proto")).containsExactly("https");
        assertThat(response.echoed("X-Forwarded-For")).isEqualTo("10.9.9.9, 127.0.0.1");
    }

    @ParameterizedTest(name = "{0} -> alert {1}")
    @CsvSource({
        "expired, certificate expired",
        "future, bad certificate",
        "untrusted, unknown ca",
        "server-only, unsupported certificate",
        "depth5, unknown ca",
    })
    void aRefusedCertificateEndsTheHandshakeWithAnAlertThatSaysWhy(String client, String alert) {
        Proc handshake = edge.sClient(client, "-tls1_3");
        assertThat(handshake.stdout() + handshake.stderr()).containsIgnoringCase("alert " + alert);
        assertThat(handshake.stdout()).doesNotContain("body-bytes"); // nothing reached the origin
        Proc response = edge.get(client, "/");
        assertThat(response.exitCode()).isNotZero();
    }

    @Test
    void aChainOfDepthFourIncludingTheRootIsAccepted() {
        Proc response = edge.get("depth4", "/");
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        assertThat(response.echoed("CloudFront-Viewer-Cert-Subject")).isEqualTo("CN=depth4,O=Example");
    }

    @Test
    void rsaClientCertificatesWork() {
        Proc response = edge.get("rsa", "/", "--tlsv1.2", "--tls-max", "1.2");
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        assertThat(response.echoed("CloudFront-Viewer-Cert-Subject")).isEqualTo("CN=rsa-client,O=Example");
    }

    @Test
    void noCertificateIsRefusedWithCertificateRequired() {
        Proc handshake = edge.sClient(null, "-tls1_3");
        assertThat(handshake.stdout() + handshake.stderr()).containsIgnoringCase("alert certificate required");
        Proc response = edge.get(null, "/");
        assertThat(response.exitCode()).isNotZero();
        assertThat(response.stdout()).isEmpty();
    }

    @Test
    void tls12WorksAndOlderVersionsAreRefused() {
        Proc tls12 = edge.sClient("client", "-tls1_2");
        assertThat(tls12.stdout()).contains("Protocol  : TLSv1.2").contains("HTTP/1.1 200");
        Proc tls11 = edge.sClient("client", "-tls1_1");
        assertThat(tls11.stdout()).doesNotContain("HTTP/1.1 200");
    }

    @Test
    void sessionsAreNeverResumed() throws Exception {
        for (String version : new String[] {"-tls1_2", "-tls1_3"}) {
            Path session = dir.resolve("session" + version + ".pem");
            Proc first = edge.sClient("client", version, "-sess_out", session.toString());
            assertThat(first.stdout()).contains("HTTP/1.1 200").doesNotContain("TLS session ticket:");
            if (!Files.exists(session)) {
                continue; // nothing resumable was even handed out (TLS 1.3 without tickets)
            }
            Proc second = edge.sClient("client", version, "-sess_in", session.toString());
            assertThat(second.stdout()).as(second.stderr()).contains("New, ").doesNotContain("Reused, ");
        }
    }

    @Test
    void caNamesAreNotAdvertisedByDefault() {
        Proc handshake = edge.sClient("client", "-tls1_3");
        assertThat(handshake.stdout()).contains("No client certificate CA names sent");
    }

    /**
     * A client that keeps Nagle on (the JDK's sockets by default, ab, many device stacks) writes its
     * first request while its Finished is not yet acknowledged, so the request waits for that ACK. The
     * node has nothing to send after the client's Finished, so without an explicit quick ACK Linux
     * delays it by 40 ms at least, on every connection. The best of five stays well below that.
     */
    @Test
    void aClientWithNagleOnGetsItsFirstResponseWithoutWaitingForADelayedAck() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            try (RawTls tls = RawTls.connect(edge.pki, "client", edge.node.port())) {
                long start = System.nanoTime();
                String response = tls.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse();
                best = Math.min(best, System.nanoTime() - start);
                assertThat(response).startsWith("HTTP/1.1 200");
            }
        }
        assertThat(java.time.Duration.ofNanos(best)).isLessThan(java.time.Duration.ofMillis(30));
    }
}
