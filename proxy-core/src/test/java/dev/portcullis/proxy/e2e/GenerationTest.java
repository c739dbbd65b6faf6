package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.EdgeConfig;
import dev.portcullis.proxy.StartupException;
import dev.portcullis.proxy.tls.Generation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replaced generation serves new connections while open ones keep theirs: no request on an open
 * connection is misdirected by the swap, and the old generation closes with its last connection. A
 * config that does not build changes nothing.
 */
class GenerationTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        edge = EdgeFixture.start(pki, EdgeFixture.distribution("EGEN", "localhost", EdgeFixture.required(),
                "http://127.0.0.1:ORIGIN"), "");
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    private static EdgeConfig edited(String from, String to) throws Exception {
        String yaml = Files.readString(dir.resolve("edge.yaml"));
        assertThat(yaml).contains(from);
        return ConfigLoader.parse(yaml.replace(from, to), dir);
    }

    private static String get(RawTls tls, String path) {
        return tls.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse();
    }

    @Test
    void openConnectionsKeepTheirGenerationAndTheOldOneClosesWithTheLast() throws Exception {
        Generation first = edge.node.server().generation();
        try (RawTls open = RawTls.connect(edge.pki, "client", edge.node.port())) {
            assertThat(get(open, "/before")).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("x-generation");

            Generation second = edge.node.server().replace(edited("    defaultCacheBehavior: {targetOriginId: app}\n",
                    "    defaultCacheBehavior: {targetOriginId: app}\n    connectionIdHeader: X-Generation\n"));
            assertThat(second.number()).isEqualTo(first.number() + 1);
            assertThat(edge.node.server().generation()).isSameAs(second);

            // the open connection: still served, by the generation it pinned (no 421, no new header)
            assertThat(get(open, "/after")).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("x-generation");
            // a new connection gets the new generation
            try (RawTls fresh = RawTls.connect(edge.pki, "client", edge.node.port())) {
                assertThat(get(fresh, "/fresh")).startsWith("HTTP/1.1 200").containsIgnoringCase("x-generation: ");
            }
            assertThat(first.isClosed()).as("closed while a connection still runs on it").isFalse();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!first.isClosed() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
        assertThat(first.isClosed()).as("the replaced generation closes after its last connection").isTrue();
    }

    @Test
    void aConfigThatDoesNotBuildChangesNothing() throws Exception {
        Generation before = edge.node.server().generation();
        EdgeConfig broken = edited("caCertificatesBundle: bundle.pem", "caCertificatesBundle: server.key");
        assertThatThrownBy(() -> edge.node.server().replace(broken))
                .isInstanceOf(StartupException.class).hasMessageContaining("trustStores[0]");
        assertThat(edge.node.server().generation()).isSameAs(before);
        assertThat(before.isClosed()).isFalse();
        assertThat(edge.get("client", "/still", "-o", "/dev/null", "-w", "%{http_code}").stdout()).isEqualTo("200");
        EdgeConfig otherServer = edited("drainTimeout: 2s", "drainTimeout: 3s");
        assertThatThrownBy(() -> edge.node.server().replace(otherServer))
                .isInstanceOf(StartupException.class).hasMessageContaining("restart");
    }
}
