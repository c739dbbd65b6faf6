package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow clients after TLS, HTTP/2 connections kept alive by PINGs alone, and one address holding
 * many connections or handshakes are cut off by
 * limits that have defaults (here set low so that a test can reach them), each counted in
 * portcullis_limits_reached_total; connections that never finish a ClientHello are counted too.
 */
class LimitsTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        edge = EdgeFixture.start(pki, EdgeFixture.distribution("ELIMIT", "localhost", EdgeFixture.required(),
                "http://127.0.0.1:ORIGIN"), "", """
                  idleTimeout: 5s
                  requestHeaderTimeout: 1s
                  requestBodyTimeout: 1s
                  maxConnectionsPerClientIp: 3
                  maxHandshakesPerClientIp: 2
                """);
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @BeforeEach
    void noConnectionLeftFromTheLastTest() {
        Await.until(() -> edge.node.server().activeConnections() == 0, "connections of an earlier test to close", Duration.ofSeconds(15));
    }

    @Test
    void aHeadTrickledAByteAtATimeIsCutOffThoughEveryByteResetsTheIdleTimer() {
        double before = edge.metric("portcullis_limits_reached_total\\{limit=\"requestHeaderTimeout\"}");
        String head = "GET /slow HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + "a".repeat(200);
        int sent = 0;
        try (RawTls tls = RawTls.connect(edge.pki, "client", edge.node.port())) {
            try {
                for (; sent < head.length(); sent++) {
                    tls.send(head.substring(sent, sent + 1)); // an attacker's pace: 10 bytes a second
                    LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                }
            } catch (UncheckedIOException e) {
                // the node closed the connection: what the test waits for
            }
            tls.readToClose();
        }
        assertThat(sent).as("bytes sent before the node closed").isLessThan(head.length());
        assertThat(edge.metric("portcullis_limits_reached_total\\{limit=\"requestHeaderTimeout\"}")).isGreaterThan(before);
        assertThat(edge.origin.requests()).doesNotContain("/slow");
    }

    @Test
    void aBodyThatStopsArrivingIsCutOff() {
        double before = edge.metric("portcullis_limits_reached_total\\{limit=\"requestBodyTimeout\"}");
        try (RawTls tls = RawTls.connect(edge.pki, "client", edge.node.port())) {
            tls.send("POST /stalled HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n0123456789");
            tls.readToClose(); // fails the test if the node keeps the connection for 30 s
        }
        assertThat(edge.metric("portcullis_limits_reached_total\\{limit=\"requestBodyTimeout\"}")).isGreaterThan(before);
    }

    @Test
    void anHttp2ConnectionWithoutStreamsIsClosedAtTheIdleTimeoutThoughItKeepsPinging() {
        Proc h2 = H2Probe.run(edge, dir, "ping-keep");

        assertThat(h2.exitCode()).as(h2.stderr()).isZero();
        assertThat(h2.stdout()).containsPattern("goaway 0|closed").doesNotContain("still open");
    }

    @Test
    void oneAddressGetsAtMostItsConnections() {
        List<RawTls> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(served());
            }
            double before = edge.metric("portcullis_limits_reached_total\\{limit=\"maxConnectionsPerClientIp\"}");
            assertThatThrownBy(() -> RawTls.connect(edge.pki, "client", edge.node.port()).close())
                    .isInstanceOf(UncheckedIOException.class);
            assertThat(edge.metric("portcullis_limits_reached_total\\{limit=\"maxConnectionsPerClientIp\"}")).isGreaterThan(before);
            open.remove(0).close();
            Await.until(() -> edge.node.server().activeConnections() == 2, "the closed connection to be counted out", Duration.ofSeconds(15));
            open.add(served()); // a slot is free again
        } finally {
            open.forEach(RawTls::close);
        }
    }

    @Test
    void oneAddressGetsAtMostItsUnfinishedHandshakes() throws IOException {
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                silent.add(new Socket("127.0.0.1", edge.node.port())); // connects, never says hello
            }
            Await.until(() -> edge.node.server().activeConnections() == 2, "both silent connections to be accepted", Duration.ofSeconds(15));
            double before = edge.metric("portcullis_limits_reached_total\\{limit=\"maxHandshakesPerClientIp\"}");
            assertThatThrownBy(() -> RawTls.connect(edge.pki, "client", edge.node.port()).close())
                    .isInstanceOf(UncheckedIOException.class);
            assertThat(edge.metric("portcullis_limits_reached_total\\{limit=\"maxHandshakesPerClientIp\"}")).isGreaterThan(before);
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
        Await.until(() -> edge.node.server().activeConnections() == 0, "the silent connections to close", Duration.ofSeconds(15));
        RawTls.connect(edge.pki, "client", edge.node.port()).close();
    }

    @Test
    void connectionsThatNeverCompleteAClientHelloAreRecorded() throws IOException {
        double errors = edge.metric("portcullis_handshakes_total\\{distribution=\"-\",status=\"TcpError\"}");
        double timeouts = edge.metric("portcullis_handshakes_total\\{distribution=\"-\",status=\"TcpTimeout\"}");
        new Socket("127.0.0.1", edge.node.port()).close(); // a port scan
        try (Socket partial = new Socket("127.0.0.1", edge.node.port())) {
            OutputStream out = partial.getOutputStream();
            out.write(new byte[] {0x16, 0x03, 0x01}); // the start of a TLS record, then nothing
            out.flush();
            partial.setSoTimeout(30_000);
            assertThat(partial.getInputStream().read()).as("the node closes at its 2 s handshake timeout").isEqualTo(-1);
        }
        Await.until(() -> edge.metric("portcullis_handshakes_total\\{distribution=\"-\",status=\"TcpError\"}") > errors,
                "the scan to be counted as TcpError", Duration.ofSeconds(15));
        assertThat(edge.metric("portcullis_handshakes_total\\{distribution=\"-\",status=\"TcpTimeout\"}")).isGreaterThan(timeouts);
    }

    /**
     * A connection the node has finished its handshake with. In TLS 1.3 the client is done before
     * the node has checked its certificate, so only a response shows the node counts it as a
     * connection and no longer as a handshake (this fixture allows two handshakes at once).
     */
    private static RawTls served() {
        RawTls tls = RawTls.connect(edge.pki, "client", edge.node.port());
        assertThat(tls.send("GET /held HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse()).startsWith("HTTP/1.1 200");
        return tls;
    }


}
