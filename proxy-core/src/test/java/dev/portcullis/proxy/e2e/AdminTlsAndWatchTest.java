package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server.adminTls}: the admin listener (health, metrics and the KeyValueStore API alike)
 * takes only clients with a certificate from its bundle; and {@code server.watchConfig}: an edit
 * of the config file applies on its own, a broken one keeps the old state.
 */
class AdminTlsAndWatchTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;
    static Path config;
    static String original;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        edge = EdgeFixture.start(pki, EdgeFixture.distribution("EWATCH", "localhost", EdgeFixture.required(),
                "h2c://127.0.0.1:ORIGIN"), """
                keyValueStores:
                  - {name: notes, importSource: notes.json}
                """.replace("notes.json", write(dir.resolve("notes.json"), "{\"data\":[]}")), """
                  watchConfig: true
                  adminTls: {certificate: server.pem, privateKey: server.key, clientCaBundle: bundle.pem}
                """);
        config = dir.resolve("edge.yaml");
        original = Files.readString(config);
    }

    private static String write(Path file, String text) {
        try {
            Files.writeString(file, text);
            return file.getFileName().toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    private static String adminUrl(String path) {
        return "https://127.0.0.1:" + edge.node.adminAddress().orElseThrow().getPort() + path;
    }


    @Test
    void theAdminListenerNeedsAClientCertificateFromItsBundle() {
        Proc anonymous = Proc.run(List.of("curl", "-sS", "--max-time", "10", "--cacert", edge.pki.path("root.pem"),
                adminUrl("/healthz")));
        assertThat(anonymous.exitCode()).as("no client certificate").isNotZero();
        Proc plain = Proc.run(List.of("curl", "-sS", "--max-time", "10",
                adminUrl("/healthz").replace("https:", "http:")));
        assertThat(plain.stdout()).doesNotContain("ok");
        Proc untrusted = Proc.run(List.of("curl", "-sS", "--max-time", "10", "--cacert", edge.pki.path("root.pem"),
                "--cert", edge.pki.path("untrusted-chain.pem"), "--key", edge.pki.path("untrusted.key"), adminUrl("/metrics")));
        assertThat(untrusted.exitCode()).as("a certificate from another CA").isNotZero();

        Proc healthy = Proc.run(List.of("curl", "-sS", "--max-time", "10", "--cacert", edge.pki.path("root.pem"),
                "--cert", edge.pki.path("client-chain.pem"), "--key", edge.pki.path("client.key"), adminUrl("/healthz")));
        assertThat(healthy.stdout()).isEqualTo("ok\n");

        Cli.Result noCert = Cli.run("kvs", "put", "--store", "notes", "--admin", adminUrl(""), "--key", "k", "--value", "v",
                "--cacert", edge.pki.path("root.pem"));
        assertThat(noCert.exitCode()).isNotZero();
        assertThat(noCert.err()).startsWith("portcullis kvs: cannot reach");
        Cli.Result viaTls = Cli.run("kvs", "put", "--store", "notes", "--admin", adminUrl(""), "--key", "k", "--value", "v",
                "--cert", edge.pki.path("client-chain.pem"), "--cert-key", edge.pki.path("client.key"),
                "--cacert", edge.pki.path("root.pem"));
        assertThat(viaTls.exitCode()).as(viaTls.err()).isZero();
    }

    @Test
    void anEditedConfigAppliesOnItsOwnAndABrokenEditKeepsTheOldState() throws Exception {
        long before = edge.node.server().generation().number();
        Files.writeString(config, original.replace("    defaultCacheBehavior: {targetOriginId: app}\n",
                "    defaultCacheBehavior: {targetOriginId: app}\n    connectionIdHeader: X-Watched\n"));
        Await.until(() -> edge.node.server().generation().number() > before, "the edit applied", Duration.ofSeconds(20));
        assertThat(edge.get("client", "/watched").echoed("X-Watched")).isNotNull();

        long applied = edge.node.server().generation().number();
        Files.writeString(dir.resolve("bundle.pem"), "not a certificate\n");
        Await.until(() -> edge.node.metrics().scrape().matches("(?s).*portcullis_reload_total\\{result=\"failure\"} [1-9].*"),
                "the broken trust store was refused", Duration.ofSeconds(20));
        assertThat(edge.node.server().generation().number()).isEqualTo(applied);
        assertThat(edge.get("client", "/still").echoed("X-Watched")).as("the last good state serves").isNotNull();

        Files.writeString(dir.resolve("bundle.pem"), goodBundle());
        Await.until(() -> edge.node.server().generation().number() > applied, "the repaired bundle applied", Duration.ofSeconds(20));
    }

    private static String goodBundle() {
        return dev.portcullis.pki.IssuedCertificate.pemOf(edge.pki.root.certificate(), edge.pki.intermediate.certificate());
    }

    @Test
    void aKubernetesStyleSymlinkSwapOfTheTrustStoreIsSeen() throws Exception {
        Path cm = dir.resolve("cm");
        Files.createDirectories(cm.resolve("..v1"));
        Files.createDirectories(cm.resolve("..v2"));
        Files.writeString(cm.resolve("..v1/bundle.pem"), goodBundle());
        Files.writeString(cm.resolve("..v2/bundle.pem"), dev.portcullis.pki.CertificateSpec.ca("CN=Elsewhere")
                .selfSigned().certificatePem());
        Files.createSymbolicLink(cm.resolve("..data"), Path.of("..v1"));
        Files.createSymbolicLink(cm.resolve("bundle.pem"), Path.of("..data/bundle.pem"));
        long before = edge.node.server().generation().number();
        Files.writeString(config, Files.readString(config).replace("caCertificatesBundle: bundle.pem",
                "caCertificatesBundle: cm/bundle.pem"));
        Await.until(() -> edge.node.server().generation().number() > before, "the config pointing at the ConfigMap applied", Duration.ofSeconds(20));
        assertThat(edge.get("client", "/cm").exitCode()).isZero();

        long pointed = edge.node.server().generation().number();
        // What the kubelet does: a new ..data symlink, renamed over the old one in one step.
        Files.createSymbolicLink(cm.resolve("..data_tmp"), Path.of("..v2"));
        Files.move(cm.resolve("..data_tmp"), cm.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Await.until(() -> edge.node.server().generation().number() > pointed, "the swapped trust store applied", Duration.ofSeconds(20));
        assertThat(edge.get("client", "/swapped").exitCode()).as("the client's CA is gone from the trust store").isNotZero();
    }
}
