package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input refuses to start (validate and run) with a message naming the file or key; mTLS is never silently off. */
class StartupErrorsTest {
    @TempDir
    static Path dir;
    static TestPki pki;

    @BeforeAll
    static void pki() {
        pki = new TestPki(dir);
        CertificateSpec.server("CN=other", "localhost").signedBy(pki.root)
                .write(dir.resolve("other.pem"), dir.resolve("other.key"));
        IssuedCertificate.writeString(dir.resolve("not-a-cert.pem"), "hello\n");
        CertificateSpec.ca("CN=localhost").selfSigned().write(dir.resolve("ca-as-server.pem"), dir.resolve("ca-as-server.key"));
        IssuedCertificate.writeString(dir.resolve("bad.js"), "function connectionHandler(c) {\n  c.allow(;\n}\n");
    }

    static String config(String certificate, String key, String mtls, String extra) {
        return """
                server: {listen: 127.0.0.1:0}
                distributions:
                  - id: E1
                    domainNames: [localhost]
                    viewerCertificate: {certificate: %s, privateKey: %s}
                    viewerMtlsConfig: %s
                    origins: [{id: app, url: "http://127.0.0.1:9"}]
                    defaultCacheBehavior: {targetOriginId: app}
                trustStores:
                  - {id: ts1, caCertificatesBundle: bundle.pem}
                %s
                """.formatted(certificate, key, mtls, extra);
    }

    static Cli.Result validate(String yaml) {
        Path file = dir.resolve("edge-" + Integer.toHexString(yaml.hashCode()) + ".yaml");
        IssuedCertificate.writeString(file, yaml);
        return Cli.run("validate", "--config", file.toString());
    }

    @Test
    void aValidConfigValidates() {
        Cli.Result result = validate(config("server.pem", "server.key", EdgeFixture.required(), ""));
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("valid");
    }

    @Test
    void aCaCertificateAsTheServersOwnIsWarnedAbout() {
        Cli.Result result = validate(config("ca-as-server.pem", "ca-as-server.key", EdgeFixture.required(), ""));
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out() + result.err()).contains("ca-as-server.pem is a CA certificate (basicConstraints CA:TRUE)");
    }

    @Test
    void aKeyThatDoesNotMatchItsCertificateIsRefused() {
        Cli.Result result = validate(config("server.pem", "other.key", EdgeFixture.required(), ""));
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("viewerCertificate.privateKey").contains("other.key").contains("does not match");
    }

    @Test
    void aFileThatIsNotACertificateIsRefused() {
        Cli.Result result = validate(config("not-a-cert.pem", "server.key", EdgeFixture.required(), ""));
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("viewerCertificate.certificate").contains("not-a-cert.pem");
    }

    @Test
    void aTrustStoreBundleThatIsNotACaIsRefused() {
        String yaml = config("server.pem", "server.key", EdgeFixture.required(), "")
                .replace("caCertificatesBundle: bundle.pem", "caCertificatesBundle: client.pem");
        Cli.Result result = validate(yaml);
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("trustStores[0]").contains("client.pem");
    }

    @Test
    void requiredModeWithoutATrustStoreIsRefusedNeverServedWithoutMtls() {
        Cli.Result result = validate(config("server.pem", "server.key", "{mode: required}", ""));
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("trustStoreConfig");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        String yaml = config("missing.pem", "server.key", "{mode: required, trustStoreConfig: {trustStoreId: nope}}", "")
                .replace("url: \"http://127.0.0.1:9\"", "url: \"ftp://x\"");
        Cli.Result result = validate(yaml);
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("missing.pem").contains("nope").contains("ftp");
    }

    @Test
    void aFunctionWithASyntaxErrorRefusesStartupWithFileAndLine() {
        String yaml = config("server.pem", "server.key", EdgeFixture.required(), """
                connectionFunctions:
                  - {name: bad, code: bad.js}
                """).replace("    defaultCacheBehavior", "    connectionFunctionAssociation: {id: bad}\n    defaultCacheBehavior");
        Cli.Result result = validate(yaml);
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("connectionFunctions[0] (bad).code").contains("bad.js:2");
        Cli.Result run = Cli.run("run", "--config", dir.resolve("edge-" + Integer.toHexString(yaml.hashCode()) + ".yaml").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("refusing to start").contains("bad.js:2");
    }

    @Test
    void anAdminOffLoopbackWithoutAdminTlsRefusesToStart() {
        String yaml = config("server.pem", "server.key", EdgeFixture.required(), "")
                .replace("server: {listen: 127.0.0.1:0}", "server: {listen: 127.0.0.1:0, admin: 0.0.0.0:0}");
        Path file = dir.resolve("open-admin.yaml");
        IssuedCertificate.writeString(file, yaml);
        Cli.Result run = Cli.run("run", "--config", file.toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("server.adminTls: is required because server.admin (0.0.0.0) is not a loopback address");
    }

    @Test
    void twoNodesOnOneDataDirectoryAreRefused() throws Exception {
        Path file = dir.resolve("shared-data.yaml");
        IssuedCertificate.writeString(file, config("server.pem", "server.key", EdgeFixture.required(), ""));
        try (dev.portcullis.proxy.EdgeNode first = dev.portcullis.proxy.EdgeNode.start(dev.portcullis.config.ConfigLoader.load(file))) {
            Cli.Result second = Cli.run("run", "--config", file.toString());
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.err()).contains("server.dataDir: ").contains("is in use by another node");
            assertThat(first.port()).isPositive();
        }
    }
}
