package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /reload on the admin listener: the config file is read again and applied whole, or refused
 * whole with every problem (422) while the node keeps serving what it had; server-section changes
 * are reported as needing a restart while the rest applies.
 */
class ReloadTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;
    static Path config;
    static String original;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        edge = EdgeFixture.start(pki, EdgeFixture.distribution("ERELOAD", "localhost", EdgeFixture.required(),
                "h2c://127.0.0.1:ORIGIN"), "");
        config = dir.resolve("edge.yaml");
        original = Files.readString(config);
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    private static Proc admin(String method, String path) {
        return edge.admin(method, path);
    }

    private static void write(String yaml) throws Exception {
        Files.writeString(config, yaml);
    }

    @Test
    void aValidChangeAppliesToNewConnectionsAndABrokenOneChangesNothing() throws Exception {
        long before = edge.node.server().generation().number();
        write(original.replace("    defaultCacheBehavior: {targetOriginId: app}\n",
                "    defaultCacheBehavior: {targetOriginId: app}\n    connectionIdHeader: X-Reloaded\n"));
        Proc applied = admin("POST", "/reload");
        assertThat(applied.stdout()).endsWith("200").contains("\"Version\":" + (before + 1)).contains("\"RestartRequiredFor\":[]");
        assertThat(edge.get("client", "/after").echoed("X-Reloaded")).isNotNull();

        write(original.replace("caCertificatesBundle: bundle.pem", "caCertificatesBundle: missing.pem"));
        Proc refused = admin("POST", "/reload");
        assertThat(refused.stdout()).endsWith("422").contains("\"Problems\":[").contains("trustStores[0]").contains("missing.pem");
        assertThat(edge.node.server().generation().number()).isEqualTo(before + 1);
        assertThat(edge.get("client", "/still").echoed("X-Reloaded")).as("the last good state keeps serving").isNotNull();
        assertThat(admin("GET", "/config/status").stdout()).contains("\"Version\":" + (before + 1))
                .contains("\"Result\":\"failure\"").contains("missing.pem");

        write(original.replace("handshakeTimeout: 2s", "handshakeTimeout: 3s"));
        Proc restart = admin("POST", "/reload");
        assertThat(restart.stdout()).endsWith("200").contains("\"RestartRequiredFor\":[\"server\"]");
        assertThat(edge.get("client", "/back").echoed("X-Reloaded")).as("the distribution part applied").isNull();
        assertThat(edge.node.metrics().scrape()).containsPattern("portcullis_reload_total\\{result=\"success\"} [2-9]")
                .containsPattern("portcullis_reload_total\\{result=\"failure\"} [1-9]")
                .containsPattern("portcullis_config_version [0-9]");
        assertThat(admin("GET", "/reload").stdout()).endsWith("405");
        write(original);
    }
}
