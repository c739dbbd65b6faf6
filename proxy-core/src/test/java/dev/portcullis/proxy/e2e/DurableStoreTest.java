package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.proxy.demo.EchoOrigin;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write the API acknowledged survives {@code kill -9}: the node runs as its own process, takes a
 * PutKey, is killed with SIGKILL right after the 200, and the restarted node still has the key,
 * refuses the revoked certificate, and does not read the import file again.
 */
class DurableStoreTest {
    @TempDir
    Path dir;

    private Process start(Path config, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.portcullis.proxy.cli.PortcullisCli", "run", "--config", config.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitHealthy(int adminPort, Process node, Path log) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            Proc health = Proc.run(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "http://127.0.0.1:" + adminPort + "/healthz"));
            if (health.stdout().equals("200")) {
                return;
            }
            if (!node.isAlive()) {
                throw new AssertionError("the node exited " + node.exitValue() + ":\n" + Files.readString(log));
            }
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
        }
        throw new AssertionError("the node never became healthy:\n" + Files.readString(log));
    }

    /** curl to a plain admin listener; the last argument is the path; stdout ends with the HTTP status. */
    static Proc admin(int port, String... args) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-w", "\n%{http_code}"));
        cmd.addAll(List.of(args));
        cmd.set(cmd.size() - 1, "http://127.0.0.1:" + port + cmd.get(cmd.size() - 1));
        return Proc.run(cmd);
    }

    @Test
    void aKeyAcknowledgedJustBeforeKillNineIsThereAfterTheRestart() throws Exception {
        TestPki pki = new TestPki(dir);
        pki.addClient("device", CertificateSpec.client("CN=device,OU=devices,O=Example").serial(new BigInteger("5d0d0", 16)));
        IssuedCertificate.writeString(dir.resolve("revocation.js"), ConnectionFunctionsTest.BLOG_FUNCTION);
        IssuedCertificate.writeString(dir.resolve("revoked.json"), "{\"data\":[]}");
        int port = FreePorts.belowEphemeral();
        int adminPort = FreePorts.belowEphemeral();
        try (EchoOrigin origin = EchoOrigin.start(new InetSocketAddress("127.0.0.1", 0))) {
            Path config = dir.resolve("edge.yaml");
            IssuedCertificate.writeString(config, """
                    server:
                      listen: 127.0.0.1:%d
                      admin: 127.0.0.1:%d
                    distributions:
                    %s    connectionFunctionAssociation: {id: revocation-check}
                    trustStores:
                      - {id: ts1, caCertificatesBundle: bundle.pem}
                    keyValueStores:
                      - {name: revoked-serials, importSource: revoked.json}
                    connectionFunctions:
                      - {name: revocation-check, code: revocation.js, keyValueStoreAssociations: [revoked-serials], timeout: 500ms}
                    """.formatted(port, adminPort, EdgeFixture.distribution("EDUR", "localhost", EdgeFixture.required(),
                    "h2c://127.0.0.1:" + origin.port())));
            Path log = dir.resolve("node.log");
            Process node = start(config, log);
            try {
                awaitHealthy(adminPort, node, log);
                Proc described = admin(adminPort, "-D", "-", "/key-value-stores/revoked-serials");
                String etag = described.stdout().lines().filter(l -> l.toLowerCase().startsWith("etag:"))
                        .findFirst().orElseThrow().substring(5).strip();
                Proc put = admin(adminPort, "-X", "PUT", "-H", "If-Match: " + etag, "-H", "Content-Type: application/json",
                        "--data-binary", "{\"Value\":\"revoked before the crash\"}", "/key-value-stores/revoked-serials/keys/05d0d0");
                assertThat(put.stdout()).endsWith("\n200");
                node.destroyForcibly(); // SIGKILL, right after the 200
                node.waitFor();
            } finally {
                node.destroyForcibly();
            }
            assertThat(Files.exists(dir.resolve("data/kvs.sqlite"))).as("dataDir defaults to data/ next to the config").isTrue();
            IssuedCertificate.writeString(dir.resolve("revoked.json"), "{\"data\":[{\"key\":\"ignored\",\"value\":\"x\"}]}");

            Path log2 = dir.resolve("node2.log");
            Process again = start(config, log2);
            try {
                awaitHealthy(adminPort, again, log2);
                Proc got = admin(adminPort, "/key-value-stores/revoked-serials/keys/05d0d0");
                assertThat(got.stdout()).contains("\"Value\":\"revoked before the crash\"").endsWith("\n200");
                assertThat(admin(adminPort, "/key-value-stores/revoked-serials/keys/ignored").stdout())
                        .as("the import file seeds a store only when it is created").endsWith("\n404");
                List<String> curl = List.of("curl", "-sS", "--max-time", "20", "--cacert", pki.path("root.pem"),
                        "--resolve", "localhost:" + port + ":127.0.0.1", "--cert", pki.path("device-chain.pem"),
                        "--key", pki.path("device.key"), "https://localhost:" + port + "/");
                assertThat(Proc.run(curl).exitCode()).as("the revoked device is refused after the restart").isNotZero();
            } finally {
                again.destroy();
                again.waitFor();
            }
        }
    }
}
