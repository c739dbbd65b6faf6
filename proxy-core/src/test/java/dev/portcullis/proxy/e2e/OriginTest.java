package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.proxy.demo.EchoOrigin;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proxying to h2c and HTTP/1.1 origins: streaming bodies both ways, origin down, origin slow. */
class OriginTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;
    static EchoOrigin tlsOrigin;
    static int deadPort;

    @BeforeAll
    static void start() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort(); // closed again: connecting there is refused
        }
        TestPki pki = new TestPki(dir);
        tlsOrigin = EchoOrigin.start(new InetSocketAddress("127.0.0.1", 0), SslContextBuilder
                .forServer(dir.resolve("server.pem").toFile(), dir.resolve("server.key").toFile())
                .sslProvider(SslProvider.OPENSSL)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "h2", "http/1.1"))
                .build());
        String distributions = """
                  - id: EORIG
                    domainNames: [localhost]
                    viewerCertificate: {certificate: server.pem, privateKey: server.key}
                    viewerMtlsConfig: {mode: required, trustStoreConfig: {trustStoreId: ts1}}
                    origins:
                      - {id: h2c, url: "h2c://127.0.0.1:ORIGIN", responseTimeout: 1s}
                      - {id: h1, url: "http://127.0.0.1:ORIGIN", responseTimeout: 1s}
                      - {id: dead, url: "http://127.0.0.1:%d", connectTimeout: 1s}
                      - {id: tls, url: "https://localhost:%d", trustedCaCertificates: root.pem}
                    defaultCacheBehavior: {targetOriginId: h2c}
                    cacheBehaviors:
                      - {pathPattern: "/h1/*", targetOriginId: h1}
                      - {pathPattern: "/dead/*", targetOriginId: dead}
                      - {pathPattern: "/tls/*", targetOriginId: tls}
                """.formatted(deadPort, tlsOrigin.port());
        edge = EdgeFixture.start(pki, distributions, "");
    }

    @AfterAll
    static void stop() {
        edge.close();
        tlsOrigin.close();
    }

    @Test
    void anHttpsOriginIsReachedOverTlsWithAlpn() {
        for (String protocol : new String[] {"--http1.1", "--http2"}) {
            Proc response = edge.get("client", "/tls/hello", protocol);
            assertThat(response.exitCode()).as(response.stderr()).isZero();
            // ALPN chose h2 towards the origin, whatever the viewer spoke
            assertThat(response.stdout()).startsWith("GET /tls/hello HTTP/2");
            assertThat(response.echoed("CloudFront-Viewer-Cert-Subject")).isEqualTo("CN=client-1,OU=devices,O=Example,C=US");
        }
        Proc large = edge.get("client", "/tls/bytes/" + (20 << 20), "-o", "/dev/null", "-w", "%{http_code} %{size_download}");
        assertThat(large.stdout()).isEqualTo("200 " + (20 << 20));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/bytes/", "/h1/bytes/"})
    void aLargeDownloadStreamsThrough(String prefix) {
        long size = 200L * 1024 * 1024;
        for (String protocol : new String[] {"--http1.1", "--http2"}) {
            Proc response = edge.get("client", prefix + size, protocol, "-o", "/dev/null",
                    "-w", "%{http_code} %{size_download}");
            assertThat(response.exitCode()).as(response.stderr()).isZero();
            assertThat(response.stdout()).isEqualTo("200 " + size);
        }
    }

    @Test
    void aLargeUploadStreamsThroughIntact() throws Exception {
        Path upload = dir.resolve("upload.bin");
        byte[] chunk = new byte[1 << 20];
        new Random(42).nextBytes(chunk);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (var out = Files.newOutputStream(upload)) {
            for (int i = 0; i < 64; i++) {
                out.write(chunk);
                sha.update(chunk);
            }
        }
        String expected = HexFormat.of().formatHex(sha.digest());
        for (String path : new String[] {"/upload", "/h1/upload"}) {
            for (String protocol : new String[] {"--http1.1", "--http2"}) {
                Proc response = edge.get("client", path, protocol, "--data-binary", "@" + upload);
                assertThat(response.exitCode()).as(response.stderr()).isZero();
                assertThat(response.echoed("body-bytes")).as(path + " " + protocol + ": " + response.stdout() + response.stderr())
                        .isEqualTo(Long.toString(64L << 20));
                assertThat(response.echoed("body-sha256")).isEqualTo(expected);
            }
        }
    }

    @Test
    void keepAliveConnectionsCarryManyRequests() {
        Proc response = edge.get("client", "/a", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}\n",
                edge.url("/h1/b"), "-o", "/dev/null", edge.url("/c"), "-o", "/dev/null", edge.url("/h1/d"), "-o", "/dev/null");
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        assertThat(response.stdout().trim().split("\n")).containsExactly("200", "200", "200", "200");
    }

    @Test
    void aPooledConnectionTheOriginClosedIsRetriedOnceOnAFreshOne() {
        Proc response = edge.get("client", "/h1/drop-if-reused/1", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}\n",
                edge.url("/h1/drop-if-reused/2"), "-o", "/dev/null");
        assertThat(response.stdout().trim().split("\n")).containsExactly("200", "200");
        // A POST is not idempotent: on a reused connection the origin dropped, it is never sent twice.
        java.util.List<String> cmd = edge.curl("client", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}\n");
        cmd.add(edge.url("/h1/drop-if-reused/3"));
        cmd.add("--next");
        java.util.List<String> postOptions = edge.curl("client", "--http1.1", "-o", "/dev/null", "-w", "%{http_code}\n",
                "-X", "POST", "-d", "x");
        cmd.addAll(postOptions.subList(1, postOptions.size())); // after --next, curl needs its options again
        cmd.add(edge.url("/h1/drop-if-reused/4"));
        Proc post = Proc.run(cmd);
        assertThat(post.stdout().trim().split("\n")).containsExactly("200", "502");
    }

    @Test
    void originUnreachableIs502() {
        Proc response = edge.get("client", "/dead/x", "-w", "\n%{http_code}");
        assertThat(response.stdout()).endsWith("502").contains("origin unreachable");
    }

    @Test
    void originTooSlowIs504() {
        for (String path : new String[] {"/delay/3000", "/h1/delay/3000"}) {
            Proc response = edge.get("client", path, "-w", "\n%{http_code}");
            assertThat(response.stdout()).endsWith("504").contains("origin timeout");
        }
    }

    @Test
    void originStatusesPassThrough() {
        Proc response = edge.get("client", "/h1/status/404", "-o", "/dev/null", "-w", "%{http_code}");
        assertThat(response.stdout()).isEqualTo("404");
    }
}
