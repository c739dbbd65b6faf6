package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Connection functions in the handshake: the blog's revocation check, a subject policy with faults, no certificate. */
class ConnectionFunctionsTest {
    /** The blog's function, as the demo ships it (one copy: the demo's resource). */
    static final String BLOG_FUNCTION = blogFunction();

    private static String blogFunction() {
        try (var in = ConnectionFunctionsTest.class.getResourceAsStream("/dev/portcullis/proxy/demo/revocation.js")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A subject-based policy that also misbehaves on demand, chosen by the client's CN. */
    static final String POLICY_FUNCTION = """
            function connectionHandler(connection) {
              const subject = connection.clientCertificate.certificates.leaf.subject;
              if (subject.startsWith('CN=throw')) { throw new Error('boom'); }
              if (subject.startsWith('CN=silent')) { return; }
              if (subject.startsWith('CN=loop')) { while (true) {} }
              if (subject.startsWith('CN=java')) { Java.type('java.lang.System').exit(1); }
              if (subject.startsWith('CN=bomb')) { const keep = []; while (true) { keep.push(new Float64Array(131072)); } }
              if (subject.includes('OU=devices')) { connection.allow(); } else { connection.deny(); }
            }
            """;

    static final String ANONYMOUS_FUNCTION = """
            function connectionHandler(connection) {
              if (connection.clientCertificate === null) {
                connection.logCustomData('anonymous from ' + connection.clientIp);
                connection.deny();
              } else {
                connection.allow();
              }
            }
            """;

    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        pki.addClient("revoked", CertificateSpec.client("CN=revoked,OU=devices,O=Example").serial(new BigInteger("0a1b2c3d", 16)));
        for (String cn : new String[] {"throw", "silent", "loop", "java", "bomb"}) {
            pki.addClient(cn, CertificateSpec.client("CN=" + cn + ",OU=devices,O=Example"));
        }
        pki.addClient("outsider", CertificateSpec.client("CN=outsider,OU=partners,O=Example"));
        IssuedCertificate.writeString(dir.resolve("revocation.js"), BLOG_FUNCTION);
        IssuedCertificate.writeString(dir.resolve("policy.js"), POLICY_FUNCTION);
        IssuedCertificate.writeString(dir.resolve("anonymous.js"), ANONYMOUS_FUNCTION);
        IssuedCertificate.writeString(dir.resolve("revoked.json"),
                "{\"data\":[{\"key\":\"0a1b2c3d\",\"value\":\"revoked 2026-01-02\"}]}");
        String origin = "h2c://127.0.0.1:ORIGIN";
        String distributions = EdgeFixture.distribution("EREV", "localhost", EdgeFixture.required(), origin)
                + "    connectionFunctionAssociation: {id: revocation-check}\n"
                + EdgeFixture.distribution("EPOL", "other.test", EdgeFixture.required(), origin)
                + "    connectionFunctionAssociation: {id: policy}\n"
                + EdgeFixture.distribution("EANON", "anon.test", "{mode: optional, trustStoreConfig: {trustStoreId: ts1}}", origin)
                + "    connectionFunctionAssociation: {id: anonymous}\n";
        String extra = """
                keyValueStores:
                  - {name: revoked-serials, importSource: revoked.json}
                connectionFunctions:
                  - {name: revocation-check, code: revocation.js, keyValueStoreAssociations: [revoked-serials], timeout: 500ms}
                  - {name: policy, code: policy.js, timeout: 100ms}
                  - {name: anonymous, code: anonymous.js, timeout: 500ms}
                """;
        edge = EdgeFixture.start(pki, distributions, extra);
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void theBlogsFunctionLetsAValidCertificateIn() {
        Proc response = edge.get("client", "/");
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        assertThat(response.echoed("CloudFront-Viewer-Cert-Subject")).isEqualTo("CN=client-1,OU=devices,O=Example,C=US");
    }

    @Test
    void theBlogsFunctionRefusesARevokedCertificateInTheHandshake() {
        Proc handshake = edge.sClient("revoked", "-tls1_3");
        assertThat(handshake.stdout() + handshake.stderr()).containsIgnoringCase("alert handshake failure");
        assertThat(handshake.stdout()).doesNotContain("body-bytes");
        Proc response = edge.get("revoked", "/");
        assertThat(response.exitCode()).isNotZero();
        assertThat(response.stdout()).isEmpty();
    }

    @Test
    void aSubjectPolicyAllowsDevicesAndDeniesOthers() {
        assertThat(get("other.test", "client").exitCode()).isZero();
        assertThat(get("other.test", "outsider").exitCode()).isNotZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"throw", "silent", "loop", "java", "bomb"})
    void aFaultyFunctionDeniesWhileOtherClientsAreServed(String fault) {
        CompletableFuture<Proc> faulty = CompletableFuture.supplyAsync(() -> get("other.test", fault));
        Proc good = get("other.test", "client");
        assertThat(good.exitCode()).as(good.stderr()).isZero();
        Proc refused = faulty.join();
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stdout()).isEmpty();
        // and the node still serves after the fault
        assertThat(get("other.test", "client").exitCode()).isZero();
    }

    @Test
    void sixteenConcurrentMemoryBombsAreCutOffWhileEveryGoodClientIsServed() {
        // Each bomb allocates 1 MB per statement; unbounded, 16 of them ended the node with an
        // OutOfMemoryError. Now each is cut off at its 2 MB allocation budget, every round, and what
        // the bombs allocated is not kept: the heap after a full collection stays where it was.
        // (That the cut-off is the memory budget and not the clock, ConnectionFunctionTest's
        // aMemoryBombIsCutOffAtItsAllocationBudget shows on the function itself.)
        long retainedBefore = heapAfterFullCollection();
        for (int round = 0; round < 3; round++) {
            double before = errors();
            java.util.List<CompletableFuture<Proc>> bombs = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                bombs.add(CompletableFuture.supplyAsync(() -> get("other.test", "bomb")));
            }
            for (int i = 0; i < 8; i++) {
                Proc good = get("other.test", "client");
                assertThat(good.exitCode()).as("round %d: %s", round, good.stderr()).isZero();
            }
            for (CompletableFuture<Proc> bomb : bombs) {
                Proc refused = bomb.join();
                assertThat(refused.exitCode()).isNotZero();
                assertThat(refused.stdout()).isEmpty();
            }
            assertThat(errors()).as("round %d", round).isGreaterThanOrEqualTo(before + 16);
        }
        assertThat(heapAfterFullCollection() - retainedBefore).as("heap kept after 48 bombs")
                .isLessThan(64L * 1024 * 1024);
        assertThat(get("other.test", "client").exitCode()).isZero();
    }

    /** Heap in use after a full collection (System.gc() is a full collection on G1 unless disabled). */
    private static long heapAfterFullCollection() {
        System.gc();
        return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static double errors() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "(?m)^portcullis_handshakes_total\\{distribution=\"EPOL\",status=\"ConnectionFunctionError\"} (\\S+)$")
                .matcher(edge.node.metrics().scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    void optionalModeRunsTheFunctionWithoutACertificate() {
        Proc anonymous = get("anon.test", null);
        assertThat(anonymous.exitCode()).isNotZero();
        assertThat(anonymous.stdout()).isEmpty();
        Proc withCertificate = get("anon.test", "client");
        assertThat(withCertificate.exitCode()).as(withCertificate.stderr()).isZero();
    }

    @Test
    void functionTestCommandRunsItOffline() {
        String config = dir.resolve("edge.yaml").toString();
        Cli.Result revoked = Cli.run("function", "test", "--config", config, "--function", "revocation-check",
                "--cert", edge.pki.path("revoked.pem"), "--client-ip", "203.0.113.7");
        assertThat(revoked.exitCode()).isZero();
        assertThat(revoked.out()).contains("decision: deny").contains("customData: Revoked certificate: 0a1b2c3d")
                .contains("Denying connection for revoked certificate: 0a1b2c3d").containsPattern("time: [0-9.]+ ms");
        Cli.Result valid = Cli.run("function", "test", "--config", config, "--function", "revocation-check",
                "--cert", edge.pki.path("client.pem"));
        assertThat(valid.out()).contains("decision: allow");
        Cli.Result broken = Cli.run("function", "test", "--config", config, "--function", "policy",
                "--cert", edge.pki.path("throw.pem"));
        assertThat(broken.exitCode()).isZero();
        assertThat(broken.out()).contains("decision: error").contains("boom");
        Cli.Result unknown = Cli.run("function", "test", "--config", config, "--function", "nope", "--cert", edge.pki.path("client.pem"));
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("no connection function named 'nope'");
    }

    private Proc get(String host, String client) {
        java.util.List<String> cmd = edge.curl(client, "--resolve", host + ":" + edge.node.port() + ":127.0.0.1");
        cmd.add("https://" + host + ":" + edge.node.port() + "/");
        return Proc.run(cmd);
    }
}
