package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.proxy.demo.EchoOrigin;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `portcullis run` as a real process: SIGHUP after the connection log was deleted makes the node
 * write a new one; SIGTERM drains the in-flight request, flushes the logs, then exits 0.
 */
class ShutdownTest {
    @TempDir
    Path dir;

    @Test
    void sighupReopensLogsAndSigtermDrainsFlushesAndExitsZero() throws Exception {
        TestPki pki = new TestPki(dir);
        try (EchoOrigin origin = EchoOrigin.start(new InetSocketAddress("127.0.0.1", 0))) {
            Path config = dir.resolve("edge.yaml");
            IssuedCertificate.writeString(config, """
                    server: {listen: 127.0.0.1:0, drainTimeout: 5s}
                    distributions:
                    %s
                    trustStores:
                      - {id: ts1, caCertificatesBundle: bundle.pem}
                    logging:
                      connectionLogs: {destination: logs/connection.log, format: json}
                      accessLogs: {destination: logs/access.log, format: json}
                    """.formatted(EdgeFixture.distribution("ESIG", "localhost", EdgeFixture.required(),
                    "h2c://127.0.0.1:" + origin.port()).replace("responseTimeout: 2s", "responseTimeout: 10s")));
            String javaBin = ProcessHandle.current().info().command().orElse("java");
            Process node = new ProcessBuilder(javaBin, "--enable-native-access=ALL-UNNAMED",
                    "-cp", System.getProperty("java.class.path"),
                    "dev.portcullis.proxy.cli.PortcullisCli", "run", "--config", config.toString())
                    .redirectErrorStream(true).start();
            try {
                int port = awaitListening(node);
                List<String> curl = List.of("curl", "-sS", "--max-time", "30", "--cacert", pki.path("root.pem"),
                        "--cert", pki.path("client-chain.pem"), "--key", pki.path("client.key"),
                        "--resolve", "localhost:" + port + ":127.0.0.1", "-w", "\n%{http_code}",
                        "https://localhost:" + port + "/delay/1500");
                Proc first = Proc.run(curl.stream().map(a -> a.replace("/delay/1500", "/first")).toList());
                assertThat(first.stdout()).endsWith("200");
                Path connectionLog = dir.resolve("logs/connection.log");
                // logrotate's order: the first record is in the file, the file goes, SIGHUP recreates it;
                // only then does the next connection come (else its record may go to the deleted file)
                Await.until(() -> lines(connectionLog) == 1, "the first connection's record in the log",
                        java.time.Duration.ofSeconds(10));
                java.nio.file.Files.delete(connectionLog);
                assertThat(Proc.run(List.of("kill", "-HUP", Long.toString(node.pid()))).exitCode()).isZero();
                Await.until(() -> java.nio.file.Files.exists(connectionLog), "SIGHUP to recreate the connection log",
                        java.time.Duration.ofSeconds(10));
                CompletableFuture<Proc> inFlight = CompletableFuture.supplyAsync(() -> Proc.run(curl));
                assertThat(origin.awaitRequest("/delay/1500", java.time.Duration.ofSeconds(20))).isTrue();
                node.destroy(); // SIGTERM
                assertThat(node.waitFor(20, TimeUnit.SECONDS)).isTrue();
                assertThat(node.exitValue()).isZero();
                Proc response = inFlight.join();
                assertThat(response.stdout()).endsWith("200");
                // Written after SIGHUP recreated the file, and flushed before the process exited.
                assertThat(java.nio.file.Files.readAllLines(connectionLog)).hasSize(1)
                        .allMatch(line -> line.contains("\"connectionStatus\":\"Success\""));
                List<String> access = java.nio.file.Files.readAllLines(dir.resolve("logs/access.log"));
                assertThat(access).anyMatch(line -> line.contains("\"cs-uri-stem\":\"/first\""))
                        .anyMatch(line -> line.contains("\"cs-uri-stem\":\"/delay/1500\"") && line.contains("\"sc-status\":200"));
            } finally {
                node.destroyForcibly();
            }
        }
    }

    private BufferedReader output;

    private static int lines(Path file) {
        try {
            return java.nio.file.Files.readAllLines(file).size();
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private int awaitListening(Process node) throws Exception {
        output = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("listening on /127\\.0\\.0\\.1:(\\d+)");
        String line;
        while ((line = output.readLine()) != null) {
            Matcher m = listening.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        throw new AssertionError("node exited before listening");
    }
}
