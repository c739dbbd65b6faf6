package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.pki.IssuedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Connection log, access log joined by connectionId, metrics, reopen and flush. */
class LogsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        IssuedCertificate.writeString(dir.resolve("note.js"), """
                function connectionHandler(connection) {
                  connection.logCustomData('hello ' + connection.clientCertificate.certificates.leaf.subject);
                  connection.allow();
                }
                """);
        String distributions = EdgeFixture.distribution("ELOG", "localhost", EdgeFixture.required(), "h2c://127.0.0.1:ORIGIN")
                + "    connectionFunctionAssociation: {id: note}\n"
                + "    connectionIdHeader: X-Connection-Id\n";
        edge = EdgeFixture.start(pki, distributions.replace("responseTimeout: 2s", "responseTimeout: 2s"), """
                connectionFunctions:
                  - {name: note, code: note.js, timeout: 500ms}
                logging:
                  connectionLogs: {destination: logs/connection.log, format: json}
                  accessLogs: {destination: logs/access.log, format: w3c}
                """);
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void oneConnectionWithTwoRequestsGivesOneSuccessAndTwoJoinedAccessRecords() throws Exception {
        Proc response = edge.get("client", "/first?a=1", "-o", "/dev/null", edge.url("/second"),
                "-H", "X-Connection-Id: spoofed");
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        String originSaw = response.echoed("X-Connection-Id");
        List<String[]> mine = eventually(() -> accessRecords().stream().filter(r -> field(r, "cs-uri-stem").equals("/first")
                || field(r, "cs-uri-stem").equals("/second")).toList(), list -> list.size() >= 2);
        assertThat(mine).as(Files.readString(dir.resolve("logs/access.log"))).hasSize(2);
        String connectionId = field(mine.get(0), "connection-id");
        assertThat(field(mine.get(1), "connection-id")).isEqualTo(connectionId);
        assertThat(originSaw).isEqualTo(connectionId); // the origin gets the id, never the client's own value
        assertThat(adminGet("/metrics")).containsPattern(
                "portcullis_connection_function_duration_seconds_count\\{distribution=\"ELOG\",function=\"note\",outcome=\"allow\"} [1-9]")
                .contains("portcullis_connections_active");
        String[] first = mine.stream().filter(r -> field(r, "cs-uri-stem").equals("/first")).findFirst().orElseThrow();
        assertThat(field(first, "cs-uri-query")).isEqualTo("a=1");
        assertThat(field(first, "sc-status")).isEqualTo("200");
        assertThat(field(first, "cs-method")).isEqualTo("GET");
        List<JsonNode> records = connectionRecords().stream()
                .filter(r -> r.get("connectionId").asText().equals(connectionId)).toList();
        assertThat(records).hasSize(1);
        JsonNode record = records.get(0);
        assertThat(record.get("connectionStatus").asText()).isEqualTo("Success");
        assertThat(record.get("distributionId").asText()).isEqualTo("ELOG");
        assertThat(record.get("tlsProtocol").asText()).isEqualTo("TLSv1.3");
        assertThat(record.get("tlsCipher").asText()).startsWith("TLS_");
        assertThat(record.get("tlsSni").asText()).isEqualTo("localhost");
        assertThat(record.get("clientIp").asText()).isEqualTo("127.0.0.1");
        assertThat(record.get("clientLeafCertSubject").asText()).isEqualTo("CN=client-1,OU=devices,O=Example,C=US");
        assertThat(record.get("connectionLogCustomData").asText()).isEqualTo("hello CN=client-1,OU=devices,O=Example,C=US");
        assertThat(record.get("eventTimestamp").asLong()).isGreaterThan(1_700_000_000_000L);
        assertThat(field(mine.get(0), "c-cert-serial-number")).isEqualTo(record.get("clientLeafCertSerialNumber").asText());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "expired, ClientCertExpired",
        "future, ClientCertNotYetValid",
        "untrusted, ClientCertUntrusted",
        "depth5, ClientCertMaxChainDepthExceeded",
        "server-only, ClientCertIntentInvalid",
        "NONE, ClientCertMissing",
    })
    void eachFailureClassIsLoggedWithItsCode(String client, String code) throws Exception {
        int before = failures(code);
        Proc handshake = edge.sClient(client.equals("NONE") ? null : client, "-tls1_3");
        assertThat(handshake.stdout()).doesNotContain("HTTP/1.1 200");
        // The client may see the alert before the node has written the record: wait for it.
        assertThat(eventually(() -> failures(code), n -> n > before)).isEqualTo(before + 1);
        String metrics = adminGet("/metrics");
        assertThat(metrics).containsPattern("portcullis_handshakes_total\\{distribution=\"ELOG\",status=\"" + code + "\"} [1-9]");
    }

    @Test
    void aHandshakeThatNeverFinishesIsLoggedAsTcpTimeout() throws Exception {
        int before = failures("TcpTimeout");
        SSLEngine client = SSLContext.getDefault().createSSLEngine("localhost", edge.node.port());
        client.setUseClientMode(true);
        ByteBuffer hello = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), hello);
        hello.flip();
        try (Socket socket = new Socket("127.0.0.1", edge.node.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(hello.array(), 0, hello.limit());
            out.flush();
            // Never answer: the server's handshake timeout (2s here) closes the connection.
            socket.setSoTimeout(10_000);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            while (in.read(buffer) >= 0) {
                // read until the server closes
            }
        }
        assertThat(eventually(() -> failures("TcpTimeout"), n -> n > before)).isEqualTo(before + 1);
    }

    @Test
    void aConnectionClosedBeforeItsClientHelloGetsATcpErrorRecordWithNoDistribution() throws Exception {
        int before = failures("TcpError");
        new Socket("127.0.0.1", edge.node.port()).close(); // a port scan: connect, then nothing
        assertThat(eventually(() -> failures("TcpError"), n -> n > before)).isEqualTo(before + 1);
        JsonNode record = connectionRecords().stream()
                .filter(r -> r.get("connectionStatus").asText().equals("Failed:TcpError")).reduce((a, b) -> b).orElseThrow();
        assertThat(record.get("distributionId").isNull()).as("no distribution was chosen: %s", record).isTrue();
        assertThat(record.get("connectionId").asText()).isNotBlank();
    }

    /**
     * A flood of refused handshakes (no certificate, here 40) writes at most the summarised log's
     * allowance of lines for its reason (10 per 10 s), while the connection log keeps every attempt.
     */
    @Test
    void aFloodOfRefusedHandshakesIsSummarisedInTheLogAndRecordedInFull() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("portcullis.handshake");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines = new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            int before = failures("ClientCertMissing");
            javax.net.ssl.SSLSocketFactory noCertificate = io.netty.handler.ssl.SslContextBuilder.forClient()
                    .sslProvider(io.netty.handler.ssl.SslProvider.JDK).trustManager(dir.resolve("root.pem").toFile())
                    .build() instanceof io.netty.handler.ssl.JdkSslContext jdk ? jdk.context().getSocketFactory() : null;
            int flood = 40;
            for (int i = 0; i < flood; i++) {
                try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) noCertificate.createSocket("127.0.0.1", edge.node.port())) {
                    socket.setSoTimeout(10_000);
                    socket.startHandshake();
                    socket.getInputStream().read(); // TLS 1.3: the refusal's alert comes after the client's Finished
                } catch (IOException refused) {
                    // the alert: what the test expects
                }
            }
            assertThat(eventually(() -> failures("ClientCertMissing"), n -> n >= before + flood)).isEqualTo(before + flood);
            long logged = lines.list.stream().filter(e -> e.getFormattedMessage().contains("ClientCertMissing")).count();
            // At most the window's 10 (fewer when earlier refusals in this JVM used part of the window).
            assertThat(logged).as("log lines for %d refused handshakes", flood).isLessThanOrEqualTo(10L);
        } finally {
            logger.detachAppender(lines);
        }
    }

    @Test
    void w3cAccessLogHasHeaders() throws IOException {
        edge.get("client", "/w3c");
        edge.node.flushLogs(Duration.ofSeconds(5));
        List<String> lines = Files.readAllLines(dir.resolve("logs/access.log"));
        assertThat(lines.get(0)).isEqualTo("#Version: 1.0");
        assertThat(lines.get(1)).startsWith("#Fields: date time c-ip");
    }

    @Test
    void aDeletedLogFileIsWrittenAgainAfterReopen() throws Exception {
        Files.delete(dir.resolve("logs/connection.log"));
        edge.node.reopenLogs();
        Proc response = edge.get("client", "/after-reopen");
        assertThat(response.exitCode()).isZero();
        assertThat(edge.node.flushLogs(Duration.ofSeconds(5))).isTrue();
        assertThat(connectionRecords()).extracting(r -> r.get("connectionStatus").asText()).contains("Success");
    }

    @Test
    void healthzAnswers() throws Exception {
        assertThat(adminGet("/healthz")).isEqualTo("ok\n");
    }

    /**
     * Reads until {@code done} holds or 10 s passed, flushing the node's logs each time: a record can
     * trail what the client saw (a refused handshake's alert leaves before its record is queued).
     */
    private static <T> T eventually(java.util.concurrent.Callable<T> read, java.util.function.Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        T value = read.call();
        while (!done.test(value) && System.nanoTime() < deadline) {
            edge.node.flushLogs(Duration.ofSeconds(5));
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
            value = read.call();
        }
        return value;
    }

    private static int failures(String code) throws IOException {
        return (int) connectionRecords().stream()
                .filter(r -> r.get("connectionStatus").asText().equals("Failed:" + code)).count();
    }

    private static List<JsonNode> connectionRecords() throws IOException {
        Path file = dir.resolve("logs/connection.log");
        if (!Files.exists(file)) {
            return List.of();
        }
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            records.add(JSON.readTree(line));
        }
        return records;
    }

    private static List<String> fieldNames;

    private static List<String[]> accessRecords() throws IOException {
        List<String[]> records = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("logs/access.log"))) {
            if (line.startsWith("#Fields: ")) {
                fieldNames = Arrays.asList(line.substring(9).split(" "));
            } else if (!line.startsWith("#")) {
                records.add(line.split("\t", -1));
            }
        }
        return records;
    }

    private static String field(String[] record, String name) {
        return record[fieldNames.indexOf(name)];
    }

    private static String adminGet(String path) throws Exception {
        var address = edge.node.adminAddress().orElseThrow();
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }
}
