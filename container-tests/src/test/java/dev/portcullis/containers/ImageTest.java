package dev.portcullis.containers;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The image of docker/Dockerfile, driven with Testcontainers: the edge started with the image's own
 * command, healthy by its own health check command, serving the blog's valid client and refusing the
 * revoked one, as the unprivileged user, and draining on stop. docker/test.sh builds the image, writes
 * the PKI and a host-network variant of docker/edge.yaml, starts podman's Docker-compatible service
 * and runs this with {@code -Dportcullis.image=...}; without that property (a plain bin/mvn verify,
 * where no image was built) the test is skipped.
 */
@EnabledIfSystemProperty(named = "portcullis.image", matches = ".+",
        disabledReason = "no image to test: docker/test.sh builds one and runs this test against it")
class ImageTest {
    private final String image = System.getProperty("portcullis.image");
    private final Path work = Path.of(System.getProperty("portcullis.work", "/tmp/portcullis-docker-test"));
    private final int edgePort = Integer.getInteger("portcullis.edgePort", 8443);
    private final int adminPort = Integer.getInteger("portcullis.adminPort", 9901);

    @Test
    void theEdgeServesTheBlogsClientsAsTheUnprivilegedUserAndDrainsOnStop() throws Exception {
        // a new data directory each run: importSource seeds a store only when it is created, so an old
        // database would hold an earlier PKI's revoked serial
        Path data = Files.createTempDirectory(work, "data-testcontainers-");
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        String health = "exec 3<>/dev/tcp/127.0.0.1/" + adminPort + " && printf 'GET /healthz HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n"
                + "Connection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '";
        try (GenericContainer<?> edge = new GenericContainer<>(DockerImageName.parse(image))
                .withNetworkMode("host")
                .withEnv("PORTCULLIS_ADMIN_PORT", Integer.toString(adminPort))
                .withFileSystemBind(work.resolve("pki").toString(), "/pki", BindMode.READ_ONLY)
                .withFileSystemBind(work.resolve("edge.yaml").toString(), "/etc/portcullis/edge.yaml", BindMode.READ_ONLY)
                .withFileSystemBind(work.resolve("revocation.js").toString(), "/etc/portcullis/revocation.js", BindMode.READ_ONLY)
                .withFileSystemBind(data.toString(), "/var/lib/portcullis", BindMode.READ_WRITE)
                .waitingFor(Wait.forSuccessfulCommand("bash -c \"" + health + "\"").withStartupTimeout(Duration.ofSeconds(120)))) {
            edge.start();

            // A new node's function runs interpreted at first and may overrun even its start-up grace on a
            // busy machine (refused as ConnectionFunctionError): the valid client gets 200 within a minute.
            String first = curl("client");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!first.equals("200") && System.nanoTime() < deadline) {
                first = curl("client");
            }
            assertThat(first).as("the valid client; the edge said: %s", edge.getLogs()).isEqualTo("200");
            assertThat(curl("revoked-client")).as("the revoked serial is in the KeyValueStore").isEqualTo("000");
            assertThat(curl(null)).as("no certificate").isEqualTo("000");
            Container.ExecResult user = edge.execInContainer("id", "-u");
            assertThat(user.getStdout().trim()).isEqualTo("10001");
            assertThat(Files.exists(data.resolve("kvs.sqlite"))).as("durable state in /var/lib/portcullis").isTrue();

            edge.getDockerClient().stopContainerCmd(edge.getContainerId()).withTimeout(20).exec();
            assertThat(edge.getLogs()).contains("stopped");
        }
    }

    /** The HTTP status a client gets (000: refused in the handshake), with the real curl on the host. */
    private String curl(String client) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "10", "--cacert", work.resolve("pki/Root_CA.pem").toString()));
        if (client != null) {
            command.addAll(List.of("--cert", work.resolve("pki/" + client + "-chain.pem").toString(),
                    "--key", work.resolve("pki/" + client + ".key").toString()));
        }
        command.add("https://localhost:" + edgePort + "/");
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out.trim();
    }
}
