package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.proxy.EdgeNode;
import dev.portcullis.proxy.StartupException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * CRLs and OCSP against real peers: a root and two intermediates run by {@code openssl ca}
 * (index.txt, {@code -revoke}, {@code -gencrl}), a real {@code openssl ocsp} responder on the
 * intermediate's index with a delegated signer, a forging responder signed by an unrelated key of
 * the same name, and curl as the client. One distribution per mechanism, chosen by SNI. The
 * responder-outage test runs last: it stops the responder.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RevocationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAMES = "crl.test, ocsp.test, ocspfn.test, expired.test, forged.test";

    @TempDir
    static Path dir;
    static EdgeFixture edge;
    static OpensslCa root;
    static OpensslCa intermediate;
    static OpensslCa doomed;
    static int responderPort;
    static int forgedPort;
    static Process responder;
    static final List<Path> responderLogs = new ArrayList<>();
    static Process forger;
    /** A responder that accepts connections and never answers (a hung CA service). */
    static java.net.ServerSocket blackHole;
    static final java.util.concurrent.atomic.AtomicInteger swallowed = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        CertificateSpec.server("CN=revocation.test", "localhost", "crl.test", "ocsp.test", "ocspfn.test", "expired.test",
                "forged.test", "hung.test", "soon.test").signedBy(pki.root).write(dir.resolve("server.pem"), dir.resolve("server.key"));

        root = OpensslCa.root("root", dir, "/CN=Revocation Root/O=Revocation Tests");
        intermediate = OpensslCa.intermediate("int", dir, "/CN=Revocation Intermediate/O=Revocation Tests", root);
        doomed = OpensslCa.intermediate("doomed", dir, "/CN=Doomed Intermediate/O=Revocation Tests", root);
        responderPort = FreePorts.belowEphemeral();
        forgedPort = FreePorts.belowEphemeral();
        String url = "http://127.0.0.1:" + responderPort + "/";
        for (String name : List.of("good", "crl-revoked", "ocsp-revoked", "burst", "cached", "uncached", "fn-uncached",
                "held", "forged-client", "fn-good")) {
            intermediate.issueClient(name, url);
        }
        intermediate.issueClient("no-aia", null);
        doomed.issueClient("doomed-leaf", url);
        intermediate.revoke(dir.resolve("crl-revoked.pem"));
        intermediate.revoke(dir.resolve("ocsp-revoked.pem"));
        root.revoke(doomed.certificate);

        root.crl(dir.resolve("root.crl.pem"));
        writeDerCrl();
        java.nio.file.Files.copy(dir.resolve("int.crl"), dir.resolve("int-first.crl")); // CRL number 1, for the rollback
        // a CRL that expires a few seconds after the node starts, for the periodic re-check
        doomed.run("ca", "-gencrl", "-config", doomed.config().toString(), "-crlsec", "8", "-out",
                dir.resolve("doomed-soon.crl.pem").toString());
        doomed.issueClient("soon-client", url);
        intermediate.expiredCrl(dir.resolve("int-expired.crl.pem"));
        Files.writeString(dir.resolve("bundle-rev.pem"), Files.readString(root.certificate)
                + Files.readString(intermediate.certificate) + Files.readString(doomed.certificate));

        intermediate.issueOcspSigner("ocsp-signer");
        restartResponder();
        OpensslCa rogue = OpensslCa.root("rogue", dir, "/CN=Revocation Intermediate/O=Revocation Tests");
        forger = startResponder(List.of("openssl", "ocsp", "-index", intermediate.dir.resolve("index.txt").toString(),
                "-port", Integer.toString(forgedPort), "-rsigner", rogue.certificate.toString(), "-rkey", rogue.key.toString(),
                "-CA", intermediate.certificate.toString(), "-nmin", "10", "-ignore_err"), "forger.log");

        blackHole = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread swallower = new Thread(() -> {
            List<java.net.Socket> held = new ArrayList<>();
            while (!blackHole.isClosed()) {
                try {
                    held.add(blackHole.accept()); // read nothing, answer nothing, close nothing
                    swallowed.incrementAndGet();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "black-hole-responder");
        swallower.setDaemon(true);
        swallower.start();
        intermediate.issueClient("hung-client", url);

        IssuedCertificate.writeString(dir.resolve("undetermined.js"), """
                function connectionHandler(connection) {
                  const status = connection.clientCertificate.revocationStatus;
                  const leaf = status.certificates.leaf;
                  connection.logCustomData('revocation ' + status.chainValidity + ' ' + leaf.method + ' ' + leaf.status
                      + ' ' + (leaf.errorType === undefined ? '-' : leaf.errorType) + ' ' + leaf.serialNumber);
                  if (status.chainValidity === 'Invalid') {
                    connection.deny();
                    return;
                  }
                  connection.allow();
                }
                """);
        String distributions = distribution("DCRL", "crl.test", "ts-crl")
                + distribution("DOCSP", "ocsp.test", "ts-ocsp")
                + distribution("DOCSPFN", "ocspfn.test", "ts-ocsp") + "    connectionFunctionAssociation: {id: undetermined}\n"
                + distribution("DEXPIRED", "expired.test", "ts-expired")
                + distribution("DFORGED", "forged.test", "ts-forged")
                + distribution("DHUNG", "hung.test", "ts-hung")
                + distribution("DSOON", "soon.test", "ts-soon");
        // the periodic re-check every second instead of every 30 (read when the node starts)
        System.setProperty("portcullis.revocationRecheckMillis", "1000");
        edge = EdgeFixture.start(pki, distributions, """
                trustStores:
                  - {id: ts-crl, caCertificatesBundle: bundle-rev.pem, crls: [root.crl.pem, int.crl]}
                  - id: ts-ocsp
                    caCertificatesBundle: bundle-rev.pem
                    useClientCertificateOcspEndpoint: true
                    ocsp: {timeout: 1s, cacheTtl: 30m}
                  - {id: ts-expired, caCertificatesBundle: bundle-rev.pem, crls: [int-expired.crl.pem]}
                  - id: ts-forged
                    caCertificatesBundle: bundle-rev.pem
                    useClientCertificateOcspEndpoint: true
                    ocsp: {timeout: 1s, responderUrl: "http://127.0.0.1:%d/"}
                  - {id: ts-soon, caCertificatesBundle: bundle-rev.pem, crls: [doomed-soon.crl.pem]}
                  - id: ts-hung
                    caCertificatesBundle: bundle-rev.pem
                    useClientCertificateOcspEndpoint: true
                    ocsp: {timeout: 1500ms, responderUrl: "http://127.0.0.1:%d/"}
                connectionFunctions:
                  - {name: undetermined, code: undetermined.js, timeout: 500ms}
                logging:
                  connectionLogs: {destination: logs/connection.log, format: json}
                """.formatted(forgedPort, blackHole.getLocalPort()));
        System.clearProperty("portcullis.revocationRecheckMillis");
    }

    private static String distribution(String id, String name, String trustStore) {
        return EdgeFixture.distribution(id, name, "{mode: required, trustStoreConfig: {trustStoreId: " + trustStore + "}}",
                "h2c://127.0.0.1:ORIGIN");
    }

    /** The intermediate's CRL as DER (the config lists it without .pem): a DER file must load too. */
    private static void writeDerCrl() {
        Path pem = intermediate.crl(dir.resolve("int.crl.pem"));
        intermediate.run("crl", "-in", pem.toString(), "-outform", "DER", "-out", dir.resolve("int.crl").toString());
    }

    private static void restartResponder() throws Exception {
        if (responder != null) {
            responder.destroy();
            responder.waitFor(10, TimeUnit.SECONDS);
        }
        Path log = dir.resolve("responder-" + System.nanoTime() + ".log");
        responder = startResponder(intermediate.responder(responderPort, dir.resolve("ocsp-signer.pem"),
                dir.resolve("ocsp-signer.key")), log.getFileName().toString());
        responderLogs.add(log);
    }

    /**
     * Starts a responder and waits for it to say it listens. Not by connecting to it: openssl's
     * responder serves one connection at a time and hangs on one that closes without a request
     * (a probe), which is exactly what the node's responder timeout is for.
     */
    private static Process startResponder(List<String> command, String log) throws Exception {
        Path logFile = dir.resolve(log);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.readString(logFile).contains("waiting for OCSP client connections")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("responder did not start: " + Files.readString(logFile));
            }
            Thread.onSpinWait();
        }
        return process;
    }

    @AfterAll
    static void stop() throws Exception {
        if (edge != null) {
            edge.close();
        }
        if (blackHole != null) {
            blackHole.close();
        }
        for (Process p : new Process[] {responder, forger}) {
            if (p != null) {
                p.destroyForcibly();
            }
        }
    }

    static Proc curl(String client, String host, String path, String... more) {
        List<String> cmd = new ArrayList<>(List.of(more)); // options, then the command and the url
        cmd.addAll(0, List.of("curl", "-sS", "--max-time", "20", "--cacert", edge.pki.path("root.pem"),
                "--resolve", host + ":" + edge.node.port() + ":127.0.0.1",
                "--cert", edge.pki.path(client + "-chain.pem"), "--key", edge.pki.path(client + ".key"),
                "https://" + host + ":" + edge.node.port() + path));
        return Proc.run(cmd);
    }

    static void assertAllowed(String client, String host) {
        Proc run = curl(client, host, "/ok");
        assertThat(run.exitCode()).as(client + " on " + host + ": " + run.stderr()).isZero();
        assertThat(run.stdout()).contains("GET /ok");
    }

    static void assertRefused(String client, String host, String alert, String failure) throws Exception {
        // TLS 1.2: the refusal's alert arrives inside the handshake, so curl always reports it (with
        // TLS 1.3 the client may already be writing when it comes, and reports a reset instead)
        Proc run = curl(client, host, "/no", "--tlsv1.2", "--tls-max", "1.2");
        assertThat(run.exitCode()).as(client + " on " + host + " must be refused").isNotZero();
        assertThat(run.stderr()).as(client + " on " + host).contains(alert);
        JsonNode record = connectionRecord(client, "Failed:" + failure);
        assertThat(record.get("connectionStatus").asText()).isEqualTo("Failed:" + failure);
    }

    /** The connection-log record of {@code client}'s connection that ended {@code status} (waits for the writer). */
    static JsonNode connectionRecord(String client, String status) throws Exception {
        Path file = dir.resolve("logs/connection.log");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    JsonNode record = JSON.readTree(line);
                    JsonNode subject = record.get("clientLeafCertSubject");
                    if (subject != null && subject.asText().matches("(.*,)?CN=" + Pattern.quote(client) + "(,.*)?")
                            && record.get("connectionStatus").asText().equals(status)) {
                        return record;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no connection record of " + client + " with " + status + " in "
                        + (Files.exists(file) ? Files.readString(file) : "(no log)"));
            }
            Thread.onSpinWait();
        }
    }

    static String metrics() {
        Proc run = edge.admin("GET", "/metrics");
        assertThat(run.exitCode()).isZero();
        return run.stdout();
    }

    static double metric(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static int responderRequests() throws IOException {
        int requests = 0;
        for (Path log : responderLogs) {
            requests += (int) Files.readString(log).lines().filter(l -> l.contains("OCSP Request Data:")).count();
        }
        return requests;
    }

    @Test
    @Order(1)
    void aGoodCertificatePassesTheCrlsAndTheResponder() {
        assertAllowed("good", "crl.test");
        assertAllowed("good", "ocsp.test");
        String metrics = metrics();
        assertThat(metric(metrics, "portcullis_ocsp_requests_total{result=\"good\"}")).isGreaterThanOrEqualTo(1);
        assertThat(metrics).contains("portcullis_crl_entries{issuer=\"O=Revocation Tests,CN=Revocation Intermediate\","
                + "trustStore=\"ts-crl\"} 2.0", "portcullis_crl_entries{issuer=\"O=Revocation Tests,CN=Revocation Root\","
                + "trustStore=\"ts-crl\"} 1.0");
        assertThat(metrics).containsPattern("portcullis_crl_seconds_until_next_update\\{issuer=\"O=Revocation Tests,"
                + "CN=Revocation Root\",trustStore=\"ts-crl\"} 6[0-9]{5}");
        assertThat(metrics).containsPattern("portcullis_crl_seconds_until_next_update\\{issuer=\"O=Revocation Tests,"
                + "CN=Revocation Intermediate\",trustStore=\"ts-expired\"} -");
    }

    @Test
    @Order(2)
    void certificatesRevokedInTheCrlOrAtTheResponderAreRefusedAsRevoked() throws Exception {
        assertRefused("crl-revoked", "crl.test", "alert certificate revoked", "ClientCertRevoked");
        assertRefused("ocsp-revoked", "ocsp.test", "alert certificate revoked", "ClientCertRevoked");
        assertRefused("ocsp-revoked", "ocspfn.test", "alert certificate revoked", "ClientCertRevoked");
        // the root's CRL revokes an intermediate: its leaves are refused
        assertRefused("doomed-leaf", "crl.test", "alert certificate revoked", "ClientCertRevoked");
    }

    @Test
    @Order(3)
    void anExpiredCrlMakesItsCertificatesUndeterminedAndRefused() throws Exception {
        assertRefused("good", "expired.test", "alert certificate unknown", "ClientCertRevocationUnknown");
    }

    @Test
    @Order(4)
    void withOcspOnACertificateWithoutAResponderUrlIsRefusedAndNoFunctionRuns() throws Exception {
        assertRefused("no-aia", "ocsp.test", "alert certificate unknown", "ClientCertRevocationUnknown");
        assertRefused("no-aia", "ocspfn.test", "alert certificate unknown", "ClientCertRevocationUnknown");
        JsonNode record = connectionRecord("no-aia", "Failed:ClientCertRevocationUnknown");
        assertThat(record.path("connectionLogCustomData").asText("")).as("the function did not run").isEmpty();
    }

    @Test
    @Order(5)
    void aResponseSignedByAnUnrelatedKeyOfTheSameNameIsRefused() throws Exception {
        assertRefused("forged-client", "forged.test", "alert certificate unknown", "ClientCertRevocationUnknown");
    }

    @Test
    @Order(6)
    void fiftyConcurrentHandshakesOfOneCertificateCauseOneResponderRequest() throws Exception {
        int before = responderRequests();
        ExecutorService clients = Executors.newFixedThreadPool(50);
        try {
            List<CompletableFuture<Proc>> runs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                runs.add(CompletableFuture.supplyAsync(() -> curl("burst", "ocsp.test", "/burst"), clients));
            }
            for (CompletableFuture<Proc> run : runs) {
                Proc done = run.get(60, TimeUnit.SECONDS);
                assertThat(done.exitCode()).as(done.stderr()).isZero();
            }
        } finally {
            clients.shutdownNow();
        }
        assertThat(responderRequests() - before).as("requests the responder saw").isEqualTo(1);
        assertThat(metric(metrics(), "portcullis_ocsp_cache_hits_total")).isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(7)
    void revokingAtTheCaAndReloadingTheCrlClosesEstablishedConnections() throws Exception {
        try (RawTls held = RawTls.connect(edge.pki, "held", edge.node.port(), "crl.test");
             RawTls kept = RawTls.connect(edge.pki, "good", edge.node.port(), "ocsp.test")) {
            held.send("GET /held HTTP/1.1\r\nHost: crl.test\r\n\r\n");
            assertThat(held.readResponse()).startsWith("HTTP/1.1 200");
            kept.send("GET /kept HTTP/1.1\r\nHost: ocsp.test\r\n\r\n");
            assertThat(kept.readResponse()).startsWith("HTTP/1.1 200");

            intermediate.revoke(dir.resolve("held.pem"));
            writeDerCrl();
            Proc reload = edge.admin("POST", "/reload");
            assertThat(reload.stdout()).as(reload.stdout()).endsWith("200");

            held.readToClose(); // fails the test if the node keeps it open
            // the re-check asked OCSP again for the good client's connection (answered from the cache): it stays
            kept.send("GET /kept-after HTTP/1.1\r\nHost: ocsp.test\r\n\r\n");
            assertThat(kept.readResponse()).startsWith("HTTP/1.1 200");
        }
        // openssl's responder reads its index once: restarted, it says what the CA's index now says
        restartResponder();
        assertRefused("held", "crl.test", "alert certificate revoked", "ClientCertRevoked");
        // the responder reads the same index: a certificate it never answered for is refused there too
        assertRefused("held", "ocsp.test", "alert certificate revoked", "ClientCertRevoked");
    }

    @Test
    @Order(9)
    void aCrlSignedByTheWrongKeyRefusesToLoadNamingTheFile() throws Exception {
        OpensslCa impostor = OpensslCa.root("impostor", dir, "/CN=Revocation Intermediate/O=Revocation Tests");
        impostor.crl(dir.resolve("impostor.crl.pem"));
        String yaml = Files.readString(dir.resolve("edge.yaml")).replace("crls: [root.crl.pem, int.crl]",
                "crls: [root.crl.pem, impostor.crl.pem]").replace("listen: 127.0.0.1:0", "listen: 127.0.0.1:0");
        Path bad = dir.resolve("impostor.yaml");
        Files.writeString(bad, yaml.replace("logs/connection.log", "logs/impostor.log")
                .replace("  drainTimeout: 2s", "  drainTimeout: 2s\n  dataDir: data-impostor"));
        assertThatThrownBy(() -> EdgeNode.start(ConfigLoader.load(bad)).close())
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("trustStores[0] (ts-crl).crls")
                .hasMessageContaining("impostor.crl.pem")
                .hasMessageContaining("signature does not verify");
    }

    @Test
    @Order(8)
    void functionTestTriesARevocationStatusOffline() throws Exception {
        String config = dir.resolve("edge.yaml").toString();
        Files.writeString(dir.resolve("outage.json"), """
                {"chainValidity": "Unknown", "certificates": {"leaf": {"method": "OCSP", "status": "Error",
                 "errorType": "Timeout", "serialNumber": "10:00"}, "intermediates": []}}
                """);
        Cli.Result outage = Cli.run("function", "test", "--config", config, "--function", "undetermined",
                "--cert", dir.resolve("good.pem").toString(), "--revocation-status", dir.resolve("outage.json").toString());
        assertThat(outage.exitCode()).as(outage.err()).isZero();
        assertThat(outage.out()).contains("decision: allow", "customData: revocation Unknown OCSP Error Timeout 10:00");

        Files.writeString(dir.resolve("revoked.json"), """
                {"chainValidity": "Invalid", "certificates": {"leaf": {"method": "CRL", "status": "Revoked",
                 "serialNumber": "10:01"}}}
                """);
        Cli.Result revoked = Cli.run("function", "test", "--config", config, "--function", "undetermined",
                "--cert", dir.resolve("good.pem").toString(), "--revocation-status", dir.resolve("revoked.json").toString());
        assertThat(revoked.out()).contains("decision: deny");

        Files.writeString(dir.resolve("wrong.json"), """
                {"chainValidity": "Valid", "certificates": {"leaf": {"method": "OCSP", "status": "Revoked", "serialNumber": "10:01"}}}
                """);
        Cli.Result wrong = Cli.run("function", "test", "--config", config, "--function", "undetermined",
                "--cert", dir.resolve("good.pem").toString(), "--revocation-status", dir.resolve("wrong.json").toString());
        assertThat(wrong.exitCode()).isEqualTo(1);
        assertThat(wrong.err()).contains("wrong.json: chainValidity 'Valid' disagrees with the certificates");
    }

    @Test
    @Order(11)
    void aHungResponderDelaysOnlyItsOwnHandshakeWhichEndsBeforeTheHandshakeTimeout() throws Exception {
        int before = swallowed.get();
        CompletableFuture<Proc> hung = CompletableFuture.supplyAsync(() -> curl("hung-client", "hung.test", "/hung",
                "--tlsv1.2", "--tls-max", "1.2"), Executors.newSingleThreadExecutor());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (swallowed.get() == before) { // until the node is waiting on the hung responder
            assertThat(System.nanoTime()).as("the node never asked the responder").isLessThan(deadline);
            Thread.onSpinWait();
        }
        for (int i = 0; i < 3; i++) {
            assertAllowed("good", "crl.test"); // other handshakes (on both event loops) go on meanwhile
        }
        assertThat(hung).as("the other handshakes finished while the hung one still waited").isNotDone();
        Proc refused = hung.get(30, TimeUnit.SECONDS);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stderr()).contains("alert certificate unknown");
        // refused by the revocation check's own timeout, before the 2 s handshake timeout (not its
        // TcpTimeout, which would close the engine while the check still held it)
        connectionRecord("hung-client", "Failed:ClientCertRevocationUnknown");
    }

    @Test
    @Order(5)
    void anOpenConnectionIsClosedWhenItsCrlExpiresNotOnlyNewHandshakes() throws Exception {
        try (RawTls soon = RawTls.connect(edge.pki, "soon-client", edge.node.port(), "soon.test")) {
            soon.send("GET /soon HTTP/1.1\r\nHost: soon.test\r\n\r\n");
            assertThat(soon.readResponse()).startsWith("HTTP/1.1 200");
            // the CRL's nextUpdate passes a few seconds after start; the periodic re-check then closes it
            soon.readToClose();
        }
        connectionRecord("soon-client", "Success");
        assertRefused("soon-client", "soon.test", "alert certificate unknown", "ClientCertRevocationUnknown");
    }

    @Test
    @Order(12)
    void aReloadThatWouldRollACrlBackIsRefusedAndTheNewerOneKeepsServing() throws Exception {
        Path current = dir.resolve("int.crl");
        Path newer = dir.resolve("int-newer.crl");
        Files.copy(current, newer, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("int-first.crl"), current, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try {
            Proc reload = edge.admin("POST", "/reload");
            assertThat(reload.stdout()).doesNotEndWith("200").contains("older than the CRL")
                    .contains("CRL number 1 <");
            // the newer CRL still serves: the client it revoked stays refused
            assertRefused("held", "crl.test", "alert certificate revoked", "ClientCertRevoked");
        } finally {
            Files.copy(newer, current, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    @Order(10)
    void withTheResponderDownACachedGoodPassesAnUncachedOneIsRefusedUnlessTheFunctionAllows() throws Exception {
        assertAllowed("cached", "ocsp.test");
        responder.destroy();
        assertThat(responder.waitFor(10, TimeUnit.SECONDS)).isTrue();

        assertAllowed("cached", "ocsp.test");
        assertRefused("uncached", "ocsp.test", "alert certificate unknown", "ClientCertRevocationUnknown");
        assertAllowed("fn-uncached", "ocspfn.test");
        JsonNode record = connectionRecord("fn-uncached", "Success");
        assertThat(record.get("connectionLogCustomData").asText()).startsWith("revocation Unknown OCSP Error Unreachable ");
    }
}
