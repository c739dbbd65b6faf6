package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portcullis pki}: what it writes is read unchanged by openssl (verify, with the CRL too), by
 * curl and by the node; a revoked serial shows in the CRL and in the list.
 */
class PkiCommandTest {
    @TempDir
    static Path dir;
    static Path ca;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        ca = dir.resolve("ca");
        Cli.Result init = Cli.run("pki", "init", "--dir", ca.toString());
        assertThat(init.exitCode()).as(init.err()).isZero();
        // the node trusts the local CA (the server certificate still comes from the test PKI)
        Files.copy(ca.resolve("Trust_store_bundle.pem"), dir.resolve("bundle.pem"), StandardCopyOption.REPLACE_EXISTING);
        dev.portcullis.pki.IssuedCertificate.writeString(dir.resolve("revocation.js"), ConnectionFunctionsTest.BLOG_FUNCTION);
        dev.portcullis.pki.IssuedCertificate.writeString(dir.resolve("revoked.json"), "{\"data\":[]}");
        edge = EdgeFixture.start(pki, EdgeFixture.distribution("EPKI", "localhost", EdgeFixture.required(),
                "h2c://127.0.0.1:ORIGIN") + "    connectionFunctionAssociation: {id: revocation-check}\n", """
                keyValueStores:
                  - {name: revoked-serials, importSource: revoked.json}
                connectionFunctions:
                  - {name: revocation-check, code: revocation.js, keyValueStoreAssociations: [revoked-serials], timeout: 500ms}
                """);
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    private static Proc openssl(String... args) {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("openssl"));
        cmd.addAll(java.util.List.of(args));
        return Proc.run(cmd);
    }

    private static String path(String file) {
        return ca.resolve(file).toString();
    }

    @Test
    void anIssuedCertificateVerifiesWithOpensslAndGetsThroughTheNodeUntilRevoked() {
        Cli.Result issued = Cli.run("pki", "issue", "--dir", ca.toString(), "--name", "device-42", "--days", "30",
                "--san", "DNS:device-42.local,URI:spiffe://example.org/device/42", "--ocsp-url", "http://127.0.0.1:9/ocsp");
        assertThat(issued.exitCode()).as(issued.err()).isZero();
        assertThat(issued.out()).contains("device-42-chain.pem");

        Proc verify = openssl("verify", "-CAfile", path("Root_CA.pem"), "-untrusted", path("Intermediate_CA.pem"),
                path("device-42.pem"));
        assertThat(verify.stdout()).as(verify.stderr()).contains("device-42.pem: OK");
        Proc text = openssl("x509", "-in", path("device-42.pem"), "-noout", "-text");
        assertThat(text.stdout()).contains("DNS:device-42.local").contains("URI:spiffe://example.org/device/42")
                .contains("OCSP - URI:http://127.0.0.1:9/ocsp").contains("TLS Web Client Authentication");

        Proc through = Proc.run(edge.curl(null, "--cert", path("device-42-chain.pem"), "--key", path("device-42.key"),
                edge.url("/pki")));
        assertThat(through.exitCode()).as(through.stderr()).isZero();
        assertThat(through.echoed("CloudFront-Viewer-Cert-Subject")).isEqualTo("CN=device-42,O=Portcullis Local PKI");

        Cli.Result list = Cli.run("pki", "list", "--dir", ca.toString());
        String serial = list.out().lines().filter(l -> l.startsWith("device-42 ")).findFirst().orElseThrow().split("\\s+")[1];
        assertThat(list.out()).containsPattern("device-42 +[0-9a-f]+ +\\S+ +valid");

        Cli.Result revoked = Cli.run("pki", "revoke", "--dir", ca.toString(), "--serial", serial);
        assertThat(revoked.exitCode()).as(revoked.err()).isZero();
        Proc crlCheck = openssl("verify", "-crl_check", "-CRLfile", path("crl.pem"), "-CAfile", path("Root_CA.pem"),
                "-untrusted", path("Intermediate_CA.pem"), path("device-42.pem"));
        assertThat(crlCheck.stdout() + crlCheck.stderr()).contains("certificate revoked");
        assertThat(Cli.run("pki", "list", "--dir", ca.toString()).out()).containsPattern("device-42 +" + serial + " +\\S+ +revoked");
        Proc crl = openssl("crl", "-in", path("crl.pem"), "-noout", "-text");
        assertThat(crl.stdout()).containsIgnoringCase("Serial Number: " + serial.toUpperCase())
                .contains("X509v3 CRL Number");
    }

    @Test
    void aServerCertificateForALocalEdgeVerifiesForTlsServers() {
        Cli.Result issued = Cli.run("pki", "issue", "--dir", ca.toString(), "--name", "edge", "--server",
                "--san", "DNS:edge,DNS:localhost");
        assertThat(issued.exitCode()).as(issued.err()).isZero();
        Proc verify = openssl("verify", "-purpose", "sslserver", "-CAfile", path("Root_CA.pem"), "-untrusted",
                path("Intermediate_CA.pem"), path("edge.pem"));
        assertThat(verify.stdout()).as(verify.stderr()).contains("edge.pem: OK");
        assertThat(openssl("x509", "-in", path("edge.pem"), "-noout", "-text").stdout())
                .contains("TLS Web Server Authentication").contains("DNS:edge, DNS:localhost")
                .doesNotContain("TLS Web Client Authentication");
        Cli.Result nameless = Cli.run("pki", "issue", "--dir", ca.toString(), "--name", "nameless", "--server");
        assertThat(nameless.exitCode()).isEqualTo(2);
        assertThat(nameless.err()).contains("--server: name the server with --san DNS:host");
    }

    @Test
    void revokeWithAStorePutsTheSerialIntoTheRunningNode() {
        Cli.run("pki", "issue", "--dir", ca.toString(), "--name", "device-7");
        String serial = Cli.run("pki", "list", "--dir", ca.toString()).out().lines()
                .filter(l -> l.startsWith("device-7 ")).findFirst().orElseThrow().split("\\s+")[1];
        java.util.List<String> curl = edge.curl(null, "--cert", path("device-7-chain.pem"), "--key", path("device-7.key"),
                edge.url("/pki"));
        assertThat(Proc.run(curl).exitCode()).isZero();

        Cli.Result revoked = Cli.run("pki", "revoke", "--dir", ca.toString(), "--serial", serial,
                "--store", "revoked-serials", "--admin", "http://127.0.0.1:" + edge.node.adminAddress().orElseThrow().getPort());
        assertThat(revoked.exitCode()).as(revoked.err()).isZero();
        assertThat(revoked.out()).contains("\"ETag\":");
        assertThat(Proc.run(curl).exitCode()).as("refused by the function at once").isNotZero();
        assertThat(Cli.run("pki", "revoke", "--dir", ca.toString(), "--serial", "0abc", "--store", "nope",
                "--admin", "http://127.0.0.1:" + edge.node.adminAddress().orElseThrow().getPort()).err())
                .contains("no KeyValueStore named nope");
    }

    @Test
    void mistakesAreRefusedWithTheReason() {
        Cli.Result again = Cli.run("pki", "init", "--dir", ca.toString());
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.err()).contains("already holds a CA");
        Cli.run("pki", "issue", "--dir", ca.toString(), "--name", "twice");
        Cli.Result twice = Cli.run("pki", "issue", "--dir", ca.toString(), "--name", "twice");
        assertThat(twice.exitCode()).isEqualTo(2);
        assertThat(twice.err()).contains("twice.pem exists");
        Cli.Result badSan = Cli.run("pki", "issue", "--dir", ca.toString(), "--name", "x1", "--san", "mail:x@y");
        assertThat(badSan.err()).contains("expected DNS:..., URI:... or IP:...");
        Cli.Result badKey = Cli.run("pki", "issue", "--dir", ca.toString(), "--name", "x2", "--key", "dsa");
        assertThat(badKey.err()).contains("--key: expected ec or rsa");
        Cli.Result badSerial = Cli.run("pki", "revoke", "--dir", ca.toString(), "--serial", "zz");
        assertThat(badSerial.err()).contains("not a hex serial number");
    }
}
