package dev.portcullis.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.ParameterException;

/** Runs the generator against a BoringSSL server with client certificates REQUIRED, started in the test. */
class LoadGeneratorTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    TestTlsServer server;
    final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @BeforeAll
    static void pki() {
        pki = TestPki.create(dir);
    }

    @BeforeEach
    void startServer() throws Exception {
        server = new TestTlsServer(pki);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private List<String> base(String... extra) {
        List<String> args = new ArrayList<>(List.of("--url", "https://localhost:" + server.port() + "/hello",
                "--cert", pki.clientCert().toString(), "--key", pki.clientKey().toString(),
                "--cacert", pki.serverCa().toString()));
        args.addAll(List.of(extra));
        return args;
    }

    private LoadSummary run(String... extra) {
        LoadSpec spec = LoadGenerator.parse(base(extra).toArray(String[]::new));
        return LoadRun.run(spec, new PrintStream(progress, true, StandardCharsets.UTF_8));
    }

    private static void assertNoErrors(LoadSummary summary) {
        assertThat(summary.failed()).as("failed; errors %s %s %s", summary.errors(), summary.tlsFailures(),
                summary.errorDetails()).isZero();
        assertThat(summary.errors().values()).allMatch(n -> n == 0);
    }

    @Test
    void closedLoopHttp1KeepsItsConnectionsAndCountsEveryRequest() {
        LoadSummary summary = run("--connections", "4", "--duration", "1s", "--warmup", "200ms");

        assertNoErrors(summary);
        assertThat(summary.ok()).isPositive();
        assertThat(summary.statuses()).containsOnlyKeys("200");
        assertThat(server.handshakes.get()).as("keep-alive: one handshake per connection").isEqualTo(4);
        assertThat(summary.handshakes()).as("handshakes happened during warmup").isZero();
        assertThat((long) server.requests.get()).isGreaterThanOrEqualTo(summary.ok());
        assertThat(summary.seconds()).isBetween(0.9, 3.0);
        assertThat(summary.latency().count()).isEqualTo(summary.ok());
        assertThat(summary.latency().p50()).isPositive().isLessThanOrEqualTo(summary.latency().p99());
        assertThat(summary.bytesIn()).isPositive();
        assertThat(summary.bytesOut()).isPositive();
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("req/s");
    }

    @Test
    void http2RunsManyStreamsOnFewConnections() {
        LoadSummary summary = run("--http", "2", "--streams", "8", "--connections", "2", "--requests", "2000");

        assertNoErrors(summary);
        assertThat(summary.ok()).isEqualTo(2000);
        assertThat(summary.handshakes()).isEqualTo(2);
        assertThat(server.handshakes.get()).isEqualTo(2);
        assertThat(server.requests.get()).isEqualTo(2000);
        assertThat(summary.settings().http()).isEqualTo("2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.1", "2"})
    void postsBodies(String http) {
        LoadSummary summary = run("--http", http, "--method", "POST", "--body-size", "4096", "--requests", "100");

        assertNoErrors(summary);
        assertThat(summary.ok()).isEqualTo(100);
        assertThat(summary.bytesOut()).isGreaterThan(100 * 4096L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void newConnectionPerRequestDoesAFullHandshakeEachTime(String tls) {
        LoadSummary summary = run("--new-connection-per-request", "--tls", tls, "--connections", "2",
                "--requests", "150");

        assertNoErrors(summary);
        assertThat(summary.ok()).isEqualTo(150);
        assertThat(summary.handshakes()).isEqualTo(summary.ok());
        assertThat(summary.handshakeLatency().count()).isEqualTo(150);
        assertThat(server.handshakes.get()).isEqualTo(150);
        assertThat(server.protocols).containsOnlyKeys("TLSv" + tls);
        assertThat(server.resumedSessions()).as("no session resumption").isZero();
    }

    @Test
    void resumeLetsNewConnectionsResumeTheirSession() {
        // TLS 1.3 only: for TLS 1.2 tickets Netty reads a system property once per JVM (see the README)
        LoadSummary summary = run("--new-connection-per-request", "--resume", "--tls", "1.3", "--requests", "30");

        assertNoErrors(summary);
        assertThat(summary.handshakes()).isEqualTo(30);
        assertThat(server.resumedSessions()).isPositive();
    }

    @Test
    void http2NewConnectionPerRequest() {
        LoadSummary summary = run("--http", "2", "--new-connection-per-request", "--requests", "40");

        assertNoErrors(summary);
        assertThat(summary.ok()).isEqualTo(40);
        assertThat(summary.handshakes()).isEqualTo(40);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.1", "2"})
    void openLoopSendsAtTheRequestedRate(String http) {
        LoadSummary summary = run("--http", http, "--rate", "400", "--duration", "1s", "--connections", "4");

        assertNoErrors(summary);
        // 400 intended sends in the measured second (a few more if the drain outlasts it)
        assertThat(summary.requests()).isBetween(380L, 420L);
        assertThat(summary.settings().mode()).isEqualTo("open-loop");
        assertThat(summary.latency().count()).isEqualTo(summary.ok());
    }

    @Test
    void openLoopWithNewConnections() {
        LoadSummary summary = run("--rate", "100", "--requests", "50", "--new-connection-per-request");

        assertNoErrors(summary);
        assertThat(summary.ok()).isEqualTo(50);
        assertThat(summary.handshakes()).isEqualTo(50);
        assertThat(summary.seconds()).as("50 requests at 100/s").isBetween(0.4, 3.0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.3", "1.2"})
    void withoutAClientCertificateTheServerRefusesEveryHandshake(String tls) {
        List<String> args = new ArrayList<>(List.of("--url", "https://localhost:" + server.port() + "/",
                "--cacert", pki.serverCa().toString(), "--tls", tls, "--connections", "2", "--requests", "20"));
        LoadSummary summary = LoadRun.run(LoadGenerator.parse(args.toArray(String[]::new)),
                new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertThat(summary.ok()).isZero();
        assertThat(summary.handshakes()).isZero();
        assertThat(summary.errorCount("tls_handshake")).isEqualTo(summary.failed()).isGreaterThanOrEqualTo(20);
        assertThat(summary.tlsFailures()).isNotEmpty();
        // TLS 1.3: the alert arrives after our side of the handshake, and a TCP reset can overtake it
        assertThat(summary.tlsFailures().keySet()).allMatch(reason -> tls.equals("1.3")
                ? reason.equals("certificate_required") || reason.equals("closed_without_alert")
                : reason.equals("handshake_failure"));
        assertThat(summary.anySuccess()).isFalse();
        assertThat(server.handshakes.get()).isZero();
    }

    @Test
    void refusedConnectionsAreCountedAndTheRunStillEnds() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        LoadSpec spec = LoadGenerator.parse("--url", "https://127.0.0.1:" + closedPort + "/", "--insecure",
                "--new-connection-per-request", "--requests", "5");
        LoadSummary summary = LoadRun.run(spec, new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertThat(summary.errorCount("connect_refused")).isEqualTo(5);
        assertThat(summary.ok()).isZero();
    }

    @Test
    void holdIdleKeepsConnectionsOpenThenClosesThem() throws Exception {
        LoadSummary summary = run("--hold-idle", "20", "--duration", "300ms", "--http", "2");

        assertThat(summary.idle()).isEqualTo(new LoadSummary.IdleConnections(20, 20, 20));
        assertThat(summary.ok()).isEqualTo(20);
        assertThat(server.peakOpen.get()).isEqualTo(20);
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("holding 20 idle connections");
        waitUntil(() -> server.open.get() == 0, Duration.ofSeconds(5));
    }

    @Test
    void commandLineWritesTextAndParsableJson() throws Exception {
        Path json = dir.resolve("out/summary.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = LoadGenerator.execute(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(progress, true, StandardCharsets.UTF_8),
                base("--requests", "50", "--json", json.toString()).toArray(String[]::new));

        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("requests     50 ok, 0 failed").contains("latency ms");
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertThat(root.path("ok").asLong()).isEqualTo(50);
        assertThat(root.path("requests").asLong()).isEqualTo(50);
        assertThat(root.path("requestsPerSecond").asDouble()).isPositive();
        assertThat(root.path("settings").path("mode").asText()).isEqualTo("closed-loop");
        assertThat(root.path("errors").size()).isEqualTo(ErrorKind.values().length);
        assertThat(root.path("errors").path("tls_handshake").asLong()).isZero();
        assertThat(root.path("latencyMs").path("count").asLong()).isEqualTo(50);
        assertThat(root.path("latencyMs").path("p99_9").asDouble()).isPositive();
        assertThat(root.path("statuses").path("200").asLong()).isEqualTo(50);
    }

    @Test
    void exitsWithOneWhenNothingSucceeded() {
        int status = LoadGenerator.execute(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(progress, true, StandardCharsets.UTF_8),
                "--url", "https://localhost:" + server.port() + "/", "--insecure", "--requests", "3");

        assertThat(status).isEqualTo(1);
    }

    @Test
    void refusesBadArguments() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        assertThat(LoadGenerator.execute(out, errStream, "--url", "https://192.0.2.1/", "--insecure")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("not a loopback address");
        assertThat(LoadGenerator.execute(out, errStream, "--url", "https://localhost:1/")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--cacert");
        assertThat(LoadGenerator.execute(out, errStream, "--help")).isZero();

        Stream.of(
                List.of("--streams", "4"),
                List.of("--tls", "1.1"),
                List.of("--body-size", "10"),
                List.of("--rate", "0"),
                List.of("--cert", "/nonexistent.pem", "--key", "/nonexistent.key"),
                List.of("--resume")
        ).forEach(extra -> assertThatThrownBy(() -> LoadGenerator.parse(
                Stream.concat(Stream.of("--url", "https://localhost:1/", "--insecure"), extra.stream()).toArray(String[]::new)))
                .as("%s", extra).isInstanceOf(ParameterException.class));
    }

    @Test
    void unreadableKeyIsABadArgumentNamingTheFiles() throws Exception {
        Path garbage = dir.resolve("garbage.key");
        java.nio.file.Files.writeString(garbage, "not a key");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LoadGenerator.execute(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                "--url", "https://localhost:" + server.port() + "/", "--insecure",
                "--cert", pki.clientCert().toString(), "--key", garbage.toString());

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(garbage.toString());
    }

    @Test
    void readsTraditionalPemKeys() throws Exception {
        Path key = dir.resolve("client-sec1.key");
        // what `openssl ecparam -genkey` and many nginx setups have: "BEGIN EC PRIVATE KEY", not PKCS#8
        Process convert = new ProcessBuilder("openssl", "ec", "-in", pki.clientKey().toString(), "-out", key.toString())
                .redirectErrorStream(true).start();
        convert.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertThat(convert.waitFor()).isZero();
        assertThat(java.nio.file.Files.readString(key)).startsWith("-----BEGIN EC PRIVATE KEY-----");

        LoadSummary summary = LoadRun.run(LoadGenerator.parse("--url", "https://localhost:" + server.port() + "/",
                "--cert", pki.clientCert().toString(), "--key", key.toString(), "--cacert", pki.serverCa().toString(),
                "--requests", "5"), new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertNoErrors(summary);
        assertThat(summary.ok()).isEqualTo(5);
    }

    @Test
    void chainSendsTheIntermediateTheServerNeeds() {
        var intermediate = dev.portcullis.pki.CertificateSpec.ca("CN=Test Client Intermediate").signedBy(pki.clientRoot());
        var leaf = dev.portcullis.pki.CertificateSpec.client("CN=chained-client").signedBy(intermediate);
        Path cert = dir.resolve("chained.pem");
        Path key = dir.resolve("chained.key");
        Path chain = dir.resolve("intermediate.pem");
        leaf.write(cert, key);
        dev.portcullis.pki.IssuedCertificate.writeString(chain, intermediate.certificatePem());
        List<String> args = List.of("--url", "https://localhost:" + server.port() + "/", "--cert", cert.toString(),
                "--key", key.toString(), "--cacert", pki.serverCa().toString(), "--tls", "1.2", "--requests", "5");
        PrintStream quiet = new PrintStream(progress, true, StandardCharsets.UTF_8);

        LoadSummary without = LoadRun.run(LoadGenerator.parse(args.toArray(String[]::new)), quiet);
        LoadSummary with = LoadRun.run(LoadGenerator.parse(Stream.concat(args.stream(),
                Stream.of("--chain", chain.toString())).toArray(String[]::new)), quiet);

        assertThat(without.ok()).isZero();
        assertThat(without.errorCount("tls_handshake")).isPositive();
        assertNoErrors(with);
        assertThat(with.ok()).isEqualTo(5);
    }

    @Test
    void sniNamesTheServerToVerify() {
        String url = "https://127.0.0.1:" + server.port() + "/";
        List<String> common = List.of("--cert", pki.clientCert().toString(), "--key", pki.clientKey().toString(),
                "--cacert", pki.serverCa().toString(), "--requests", "3", "--url", url);
        PrintStream quiet = new PrintStream(progress, true, StandardCharsets.UTF_8);

        LoadSummary right = LoadRun.run(LoadGenerator.parse(Stream.concat(common.stream(),
                Stream.of("--sni", "localhost")).toArray(String[]::new)), quiet);
        LoadSummary wrong = LoadRun.run(LoadGenerator.parse(Stream.concat(common.stream(),
                Stream.of("--sni", "other.example")).toArray(String[]::new)), quiet);

        assertNoErrors(right);
        assertThat(wrong.ok()).isZero();
        assertThat(wrong.errorCount("tls_handshake")).isPositive();
    }

    @Test
    void durations() {
        DurationConverter c = new DurationConverter();
        assertThat(c.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(c.convert("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.convert("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.convert("10")).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> c.convert("ten")).hasMessageContaining("ten");
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within %s", limit).isLessThan(deadline);
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
