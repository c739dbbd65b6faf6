package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload re-checks established connections: one that changes nothing for a client lets its 32 MB
 * download in flight finish intact; one whose trust store no longer holds the client's root refuses
 * the root's clients on new connections and closes their established ones.
 */
class TrustReloadTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;
    static Path config;
    static String original;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        IssuedCertificate other = CertificateSpec.ca("CN=Some Other Root,O=Elsewhere").selfSigned();
        IssuedCertificate.writeString(dir.resolve("other-bundle.pem"), other.certificatePem());
        edge = EdgeFixture.start(pki, EdgeFixture.distribution("ETRUST", "localhost", EdgeFixture.required(),
                "h2c://127.0.0.1:ORIGIN"), "");
        config = dir.resolve("edge.yaml");
        original = Files.readString(config);
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    private static Proc reload() {
        return edge.admin("POST", "/reload");
    }

    @Test
    void aDownloadInFlightDuringAReloadArrivesIntactAndARemovedRootIsRefusedAndClosed() throws Exception {
        // 1. A reload that keeps the client's root: a download in flight is re-checked, allowed, intact.
        // 32 MB, read 64 KB at first: the rest cannot fit in the socket buffers and waits on this
        // client, so the exchange is surely in flight while the reload happens.
        int size = 32 * 1024 * 1024;
        try (RawTls download = RawTls.connect(edge.pki, "client", edge.node.port())) {
            download.send("GET /bytes/" + size + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertThat(download.readHead()).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + size);
            assertThat(download.readBytes(64 * 1024)).hasSize(64 * 1024);
            Files.writeString(config, original.replace("    defaultCacheBehavior: {targetOriginId: app}\n",
                    "    defaultCacheBehavior: {targetOriginId: app}\n    connectionIdHeader: X-Reloaded\n"));
            assertThat(reload().stdout()).endsWith("\n200");
            assertThat(download.readBytes(size - 64 * 1024)).as("the rest of the download").hasSize(size - 64 * 1024);
            assertThat(download.send("GET /after HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse())
                    .as("the connection still serves").startsWith("HTTP/1.1 200");
        }

        // 2. A reload whose trust store no longer holds the root.
        RawTls open = RawTls.connect(edge.pki, "client", edge.node.port());
        assertThat(open.send("GET /open HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse()).startsWith("HTTP/1.1 200");
        Files.writeString(config, original.replace("caCertificatesBundle: bundle.pem", "caCertificatesBundle: other-bundle.pem"));
        assertThat(reload().stdout()).endsWith("\n200");
        long reloaded = System.nanoTime();
        assertThat(edge.get("client", "/new").exitCode()).as("a new connection of the removed root's client").isNotZero();
        open.readToClose();
        assertThat(Duration.ofNanos(System.nanoTime() - reloaded)).as("the established connection was closed")
                .isLessThan(Duration.ofSeconds(3));
        open.close();
        assertThat(edge.node.metrics().scrape())
                .containsPattern("portcullis_connections_reevaluated_total\\{distribution=\"ETRUST\",result=\"refused\"} [1-9]");

        Files.writeString(config, original);
        assertThat(reload().stdout()).endsWith("\n200");
        assertThat(edge.get("client", "/back").exitCode()).isZero();
    }
}
