package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An origin that sends what its codec cannot decode gets the viewer a 502 with a short body (or,
 * once the head is out, a closed connection or reset stream), never a relayed garbage status, a
 * head followed by nothing, or a hung connection; and the access log records the 502.
 */
class BrokenOriginTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;
    static BrokenOrigin broken;

    @BeforeAll
    static void start() throws Exception {
        byte[] late = lateBadChunk();
        broken = new BrokenOrigin(Map.ofEntries(
                Map.entry("/bad-status", ascii("HTTP/1.1 abc Nope\r\nContent-Length: 2\r\n\r\nhi")),
                Map.entry("/huge-header", ascii("HTTP/1.1 200 OK\r\nX-Big: " + "x".repeat(200 * 1024) + "\r\nContent-Length: 2\r\n\r\nhi")),
                Map.entry("/cl-te", ascii("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello")),
                Map.entry("/bad-chunk", ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX")),
                Map.entry("/late-bad-chunk", late),
                Map.entry("/fine", ascii("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine")),
                Map.entry("/status-099", ascii("HTTP/1.1 099 Weird\r\nContent-Length: 2\r\n\r\nhi")),
                Map.entry("/status-600", ascii("HTTP/1.1 600 Beyond\r\nContent-Length: 2\r\n\r\nhi")),
                Map.entry("/keep-extra", ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil")),
                Map.entry("/keep-body204", ascii("HTTP/1.1 204 No Content\r\n\r\nhello"
                        + "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil")),
                Map.entry("/keep-204-partial", ascii("HTTP/1.1 204 No Content\r\nContent-Length: 2\r\n\r\n{}"))));
        TestPki pki = new TestPki(dir);
        edge = EdgeFixture.start(pki, EdgeFixture.distribution("EBROKEN", "localhost", EdgeFixture.required(),
                "http://127.0.0.1:" + broken.port()), """
                logging:
                  accessLogs: {destination: access.log, format: json}
                """);
    }

    @AfterAll
    static void stop() {
        edge.close();
        broken.close();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A plausible head and an 8 MB chunk (more than one read), then garbage where its CRLF belongs. */
    private static byte[] lateBadChunk() {
        int size = 8 << 20;
        byte[] head = ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(size) + "\r\n");
        byte[] all = new byte[head.length + size + 2];
        System.arraycopy(head, 0, all, 0, head.length);
        all[all.length - 2] = 'X';
        all[all.length - 1] = 'X';
        return all;
    }

    @ParameterizedTest(name = "{0} over {1}")
    @CsvSource({
        "/bad-status, --http1.1", "/bad-status, --http2",
        "/huge-header, --http1.1", "/huge-header, --http2",
        "/cl-te, --http1.1", "/cl-te, --http2",
        "/bad-chunk, --http1.1", "/bad-chunk, --http2",
        "/status-099, --http1.1", "/status-600, --http2",
    })
    void aMalformedResponseIsA502WithAShortBody(String path, String protocol) throws Exception {
        Proc response = edge.get("client", path, protocol, "-w", "\n%{http_code}");

        assertThat(response.exitCode()).as(response.stderr()).isZero();
        assertThat(response.stdout()).isEqualTo("bad gateway: malformed response from origin\n\n502");
        assertThat(accessStatus(path)).isEqualTo("502");
        // and the node still serves
        assertThat(edge.get("client", "/fine", protocol).stdout()).isEqualTo("fine");
    }

    @ParameterizedTest
    @CsvSource({"--http1.1, 18", "--http2, 92"})
    void aResponseThatBreaksAfterItsHeadEndsTheViewersTransfer(String protocol, int curlExit) throws Exception {
        Proc response = edge.get("client", "/late-bad-chunk", protocol, "-o", "/dev/null", "-w", "%{http_code}");

        assertThat(response.stdout()).isEqualTo("200");
        assertThat(response.exitCode()).as(response.stderr()).isEqualTo(curlExit);
        assertThat(edge.get("client", "/fine", protocol).stdout()).isEqualTo("fine");
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"/keep-extra", "/keep-body204"})
    void bytesAnOriginSendsBeyondItsResponseNeverAnswerTheNextRequest(String path) {
        String responses;
        try (RawTls tls = RawTls.connect(edge.pki, "client", edge.node.port())) {
            responses = tls.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "GET /fine HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").readToClose();
        }
        assertThat(responses).doesNotContain("evil");
        assertThat(responses).endsWith("fine"); // the pipelined request went to a fresh origin connection
    }

    @Test
    void aConnectionLeftHoldingPartOfAResponseIsNotReused() {
        try (RawTls tls = RawTls.connect(edge.pki, "client", edge.node.port())) {
            // A 204 with a body: the body bytes stay in the decoder, not a message of their own.
            assertThat(tls.send("GET /keep-204-partial HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse())
                    .startsWith("HTTP/1.1 204");
            // The next request, once that origin connection could be back in the pool: a fresh one.
            String next = tls.send("GET /fine HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").readToClose();
            assertThat(next).startsWith("HTTP/1.1 200").endsWith("fine");
        }
    }

    /** The status of the newest access record for {@code path}, waiting for the writer. */
    private static String accessStatus(String path) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            edge.node.flushLogs(Duration.ofSeconds(5));
            Path file = dir.resolve("access.log");
            List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
            String status = null;
            for (String line : lines) {
                if (line.contains("\"cs-uri-stem\":\"" + path + "\"")) {
                    status = line.replaceAll(".*\"sc-status\":(\\d+).*", "$1");
                }
            }
            if (status != null || System.nanoTime() > deadline) {
                return status;
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }
}
