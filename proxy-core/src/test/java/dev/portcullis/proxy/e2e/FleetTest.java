package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.config.ConfigLoader;
import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.proxy.EdgeNode;
import dev.portcullis.proxy.demo.EchoOrigin;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.CompactOption;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes (in this JVM, each with its own data directory and admin port) and one real etcd:
 * a revocation written on one node is refused by all, one ETag lets exactly one of two writers
 * through, an etcd outage keeps every node serving and refusing (a node restarted meanwhile too)
 * and a write after it propagates, and a node behind a compaction reads everything whole again.
 * Each test uses a prefix of its own in the one etcd.
 */
class FleetTest {
    @TempDir
    static Path dir;
    static TestPki pki;
    static EtcdProcess etcd;
    static EchoOrigin origin;

    @BeforeAll
    static void start() throws Exception {
        pki = new TestPki(dir);
        for (int i = 1; i <= 3; i++) {
            pki.addClient("device-" + i, CertificateSpec.client("CN=device-" + i + ",OU=devices,O=Example")
                    .serial(new BigInteger("1ce0" + i, 16)));
        }
        IssuedCertificate.writeString(dir.resolve("revocation.js"), ConnectionFunctionsTest.BLOG_FUNCTION);
        IssuedCertificate.writeString(dir.resolve("revoked.json"), "{\"data\":[]}");
        etcd = EtcdProcess.start(dir);
        origin = EchoOrigin.start(new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterAll
    static void stop() throws Exception {
        origin.close();
        etcd.close();
    }

    /** A node of the fleet under {@code prefix}, named edge-N, with its own data directory. */
    private static EdgeNode node(String prefix, int n) throws Exception {
        return node(prefix, n, "bundle.pem");
    }

    /** As above, trusting the CA bundle {@code bundle} (in the PKI folder). */
    private static EdgeNode node(String prefix, int n, String bundle) throws Exception {
        Path home = dir.resolve(prefix.replace("/", "") + "-" + n);
        java.nio.file.Files.createDirectories(home);
        Path config = home.resolve("edge.yaml");
        IssuedCertificate.writeString(config, config(prefix, "edge-" + n, bundle));
        return EdgeNode.start(ConfigLoader.load(config));
    }

    private static String config(String prefix, String nodeName, String bundle) {
        return """
                server:
                  listen: 127.0.0.1:0
                  admin: 127.0.0.1:0
                  drainTimeout: 1s
                  handshakeTimeout: 2s
                  dataDir: data
                distributions:
                  - id: EFLEET
                    domainNames: [localhost]
                    viewerCertificate: {certificate: %1$s/server.pem, privateKey: %1$s/server.key}
                    viewerMtlsConfig: {mode: required, trustStoreConfig: {trustStoreId: ts1}}
                    origins:
                      - {id: app, url: "h2c://127.0.0.1:%2$d", connectTimeout: 2s, responseTimeout: 2s}
                    defaultCacheBehavior: {targetOriginId: app}
                    connectionFunctionAssociation: {id: revocation-check}
                trustStores:
                  - {id: ts1, caCertificatesBundle: %1$s/%6$s}
                keyValueStores:
                  - {name: revoked-serials, importSource: %1$s/revoked.json}
                connectionFunctions:
                  - {name: revocation-check, code: %1$s/revocation.js, keyValueStoreAssociations: [revoked-serials], timeout: 500ms}
                fleet:
                  etcd: {endpoints: ["%3$s"], prefix: "%4$s", startupTimeout: 3s}
                  nodeName: %5$s
                """.formatted(dir, origin.port(), etcd.endpoint(), prefix, nodeName, bundle);
    }

    /** {@code bin/portcullis fleet push --config FILE [more]}, in this JVM; its exit code. */
    private static int push(Path config, String... more) {
        List<String> args = new ArrayList<>(List.of("fleet", "push", "--config", config.toString()));
        args.addAll(List.of(more));
        return dev.portcullis.proxy.cli.PortcullisCli.commandLine().execute(args.toArray(String[]::new));
    }

    private static List<EdgeNode> nodes(String prefix, int count) throws Exception {
        List<EdgeNode> nodes = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            nodes.add(node(prefix, i));
        }
        return nodes;
    }

    private static void closeAll(List<EdgeNode> nodes) {
        nodes.forEach(EdgeNode::close);
    }

    /** Whether a full mTLS handshake and request by {@code client} gets 200 from {@code node}. */
    private static boolean allowed(EdgeNode node, String client) {
        Proc p = Proc.run(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
                "--cacert", pki.path("root.pem"), "--resolve", "localhost:" + node.port() + ":127.0.0.1",
                "--cert", pki.path(client + "-chain.pem"), "--key", pki.path(client + ".key"),
                "https://localhost:" + node.port() + "/"));
        return p.exitCode() == 0 && p.stdout().equals("200");
    }

    private static Proc admin(EdgeNode node, String... args) {
        return DurableStoreTest.admin(node.adminAddress().orElseThrow().getPort(), args);
    }

    private static String etag(EdgeNode node) {
        return admin(node, "-D", "-", "/key-value-stores/revoked-serials").stdout().lines()
                .filter(l -> l.toLowerCase().startsWith("etag:")).findFirst().orElseThrow().substring(5).strip();
    }

    private static String revoke(EdgeNode node, String etag, String serial) {
        Proc put = admin(node, "-X", "PUT", "-H", "If-Match: " + etag, "-H", "Content-Type: application/json",
                "--data-binary", "{\"Value\":\"revoked by the fleet test\"}", "/key-value-stores/revoked-serials/keys/" + serial);
        return put.stdout().substring(put.stdout().lastIndexOf('\n') + 1);
    }

    private static double metric(EdgeNode node, String name) {
        return EdgeFixture.metric(node, name, Double.NaN); // a missing gauge must not pass for "disconnected"
    }

    @Test
    void aRevocationPutOnOneNodeIsRefusedByTheOtherTwo() throws Exception {
        List<EdgeNode> nodes = nodes("/t1/", 3);
        try {
            for (EdgeNode node : nodes) {
                assertThat(allowed(node, "device-1")).as("device-1 before the revocation").isTrue();
            }
            assertThat(revoke(nodes.get(0), etag(nodes.get(0)), "01ce01")).isEqualTo("200");
            assertThat(allowed(nodes.get(0), "device-1")).as("the node that took the write refuses at once after its 200")
                    .isFalse();
            for (EdgeNode node : nodes.subList(1, 3)) {
                Await.until(() -> !allowed(node, "device-1"), "another node to refuse the revoked device", Duration.ofSeconds(10));
                assertThat(allowed(node, "device-2")).as("others still get in").isTrue();
            }
            assertThat(etag(nodes.get(1))).as("one ETag across the fleet").isEqualTo(etag(nodes.get(0))).isEqualTo(etag(nodes.get(2)));
            assertThat(metric(nodes.get(1), "portcullis_fleet_connected")).isEqualTo(1.0);
            assertThat(metric(nodes.get(1), "portcullis_fleet_revision")).isGreaterThan(0);
            Await.until(() -> {
                String status = admin(nodes.get(1), "/fleet/status").stdout();
                return status.contains("\"edge-1\"") && status.contains("\"edge-2\"") && status.contains("\"edge-3\"");
            }, "every node to report under fleet/status/", Duration.ofSeconds(10));
            Proc status = admin(nodes.get(2), "/fleet/status");
            assertThat(status.stdout()).contains("\"NodeName\":\"edge-3\"", "\"Connected\":true").endsWith("\n200");
        } finally {
            closeAll(nodes);
        }
    }

    @Test
    void twoWritersWithOneEtagOnTwoNodesExactlyOneWins() throws Exception {
        List<EdgeNode> nodes = nodes("/t2/", 3);
        try {
            String etag = etag(nodes.get(0));
            assertThat(etag(nodes.get(1))).isEqualTo(etag);
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> revoke(nodes.get(1), etag, "01ce02"));
            CompletableFuture<String> second = CompletableFuture.supplyAsync(() -> revoke(nodes.get(2), etag, "01ce03"));
            List<String> statuses = new ArrayList<>(List.of(first.get(), second.get()));
            statuses.sort(String::compareTo);
            assertThat(statuses).as("one write wins, the other is refused with 412").containsExactly("200", "412");
            String current = etag(nodes.get(0));
            String madeUp = "0-" + current.substring(current.lastIndexOf('-') + 1);
            assertThat(revoke(nodes.get(0), madeUp, "01ce01")).as("the right revision under another incarnation is not the ETag")
                    .isEqualTo("412");
            assertThat(allowed(nodes.get(0), "device-1")).isTrue();
            String winner = first.get().equals("200") ? "device-2" : "device-3";
            String loser = winner.equals("device-2") ? "device-3" : "device-2";
            for (EdgeNode node : nodes) {
                Await.until(() -> !allowed(node, winner), "every node to refuse the winner's revocation", Duration.ofSeconds(10));
                assertThat(allowed(node, loser)).as("the refused write was not applied anywhere").isTrue();
            }
        } finally {
            closeAll(nodes);
        }
    }

    @Test
    void anEtcdOutageKeepsEveryNodeServingAndRefusingAndAWriteAfterItPropagates() throws Exception {
        List<EdgeNode> nodes = nodes("/t3/", 3);
        try {
            assertThat(revoke(nodes.get(0), etag(nodes.get(0)), "01ce01")).isEqualTo("200");
            for (EdgeNode node : nodes) {
                Await.until(() -> !allowed(node, "device-1"), "the revocation everywhere", Duration.ofSeconds(10));
            }
            etcd.stop();
            for (EdgeNode node : nodes) {
                Await.until(() -> metric(node, "portcullis_fleet_connected") == 0.0, "the node to see etcd gone",
                        Duration.ofSeconds(20));
                assertThat(allowed(node, "device-1")).as("still refused while etcd is down").isFalse();
                assertThat(allowed(node, "device-2")).as("still served while etcd is down").isTrue();
            }
            assertThat(revoke(nodes.get(1), etag(nodes.get(1)), "01ce03")).as("no write is acknowledged without etcd")
                    .isNotEqualTo("200");
            assertThat(admin(nodes.get(1), "/fleet/status").stdout()).contains("\"Connected\":false", "NodesError");

            nodes.get(2).close();
            nodes.set(2, node("/t3/", 3)); // restarted while etcd is down: starts from its local snapshot
            assertThat(allowed(nodes.get(2), "device-1")).as("the restarted node still refuses").isFalse();
            assertThat(allowed(nodes.get(2), "device-2")).isTrue();
            assertThat(allowed(nodes.get(2), "device-3")).as("the refused write is nowhere").isTrue();

            etcd.start();
            for (EdgeNode node : nodes) {
                Await.until(() -> metric(node, "portcullis_fleet_connected") == 1.0, "the node to reconnect",
                        Duration.ofSeconds(20));
            }
            assertThat(revoke(nodes.get(0), etag(nodes.get(0)), "01ce02")).isEqualTo("200");
            for (EdgeNode node : nodes) {
                Await.until(() -> !allowed(node, "device-2"), "the write after the outage everywhere", Duration.ofSeconds(10));
            }
        } finally {
            closeAll(nodes);
        }
    }

    @Test
    void aPushReachesEveryNodeAndOneThatDoesNotBuildIsRefusedAndReported() throws Exception {
        IssuedCertificate other = CertificateSpec.ca("CN=Some Other CA,O=Elsewhere").selfSigned();
        IssuedCertificate.writeString(dir.resolve("other-bundle.pem"), other.certificatePem());
        IssuedCertificate.writeString(dir.resolve("broken-bundle.pem"),
                "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        List<EdgeNode> nodes = new ArrayList<>();
        try {
            for (int i = 1; i <= 3; i++) {
                nodes.add(node("/t5/", i, "other-bundle.pem")); // their own files trust another CA only
            }
            for (EdgeNode node : nodes) {
                assertThat(allowed(node, "device-1")).as("the node's own trust store does not know the device's CA").isFalse();
            }
            Path pushDir = dir.resolve("t5-push");
            java.nio.file.Files.createDirectories(pushDir);
            Path good = pushDir.resolve("edge.yaml");
            IssuedCertificate.writeString(good, config("/t5/", "pusher", "bundle.pem"));
            assertThat(push(good)).isZero();
            for (EdgeNode node : nodes) {
                Await.until(() -> allowed(node, "device-1"), "every node to apply the pushed trust store", Duration.ofSeconds(15));
            }
            Await.until(() -> admin(nodes.get(0), "/fleet/status").stdout().contains("\"applied\":true"),
                    "the push to be reported applied", Duration.ofSeconds(10));

            nodes.get(2).close();
            nodes.set(2, node("/t5/", 3, "other-bundle.pem"));
            assertThat(allowed(nodes.get(2), "device-1")).as("a restarted node serves the push, not its own files").isTrue();

            Path broken = pushDir.resolve("broken.yaml");
            IssuedCertificate.writeString(broken, config("/t5/", "pusher", "broken-bundle.pem"));
            assertThat(push(broken)).as("the CLI refuses to push what does not build").isEqualTo(2);
            assertThat(push(broken, "--skip-build")).isZero();
            for (EdgeNode node : nodes) {
                Await.until(() -> {
                    String status = admin(node, "/fleet/status").stdout();
                    return status.contains("\"applied\":false") && status.contains("broken-bundle.pem");
                }, "each node to refuse and report the broken push", Duration.ofSeconds(15));
                assertThat(allowed(node, "device-1")).as("the node keeps its last good trust store").isTrue();
            }

            etcd.stop();
            try {
                nodes.get(1).close();
                nodes.set(1, node("/t5/", 2, "other-bundle.pem"));
                assertThat(allowed(nodes.get(1), "device-1")).as("started while etcd is down: the last push it applied")
                        .isTrue();
            } finally {
                etcd.start();
            }
        } finally {
            closeAll(nodes);
        }
    }

    /** {@code PUT .../data}: the whole store replaced, as {@code portcullis kvs import} does. */
    private static String importStore(EdgeNode node, String json) {
        Proc put = admin(node, "-X", "PUT", "-H", "If-Match: " + etag(node), "-H", "Content-Type: application/json",
                "--data-binary", json, "/key-value-stores/revoked-serials/data");
        return put.stdout().substring(put.stdout().lastIndexOf('\n') + 1);
    }

    @Test
    void aNodeThatMissedTwoImportsServesTheLastOneAfterItsRestart() throws Exception {
        List<EdgeNode> nodes = nodes("/t6/", 2);
        try {
            assertThat(revoke(nodes.get(0), etag(nodes.get(0)), "01ce01")).isEqualTo("200");
            Await.until(() -> !allowed(nodes.get(1), "device-1"), "the revocation on node 2", Duration.ofSeconds(10));
            nodes.get(1).close();
            assertThat(importStore(nodes.get(0), "{\"data\":[{\"key\":\"01ce02\",\"value\":\"first import\"}]}"))
                    .isEqualTo("200");
            assertThat(importStore(nodes.get(0), "{\"data\":[{\"key\":\"01ce03\",\"value\":\"second import\"}]}"))
                    .isEqualTo("200");
            assertThat(allowed(nodes.get(0), "device-1")).as("the second import replaced everything").isTrue();
            nodes.set(1, node("/t6/", 2)); // replays both imports from its snapshot's revision
            EdgeNode back = nodes.get(1);
            Await.until(() -> !allowed(back, "device-3"), "the restarted node to serve the second import", Duration.ofSeconds(10));
            assertThat(allowed(back, "device-1")).as("not the contents from before the imports").isTrue();
            assertThat(allowed(back, "device-2")).as("not the first import").isTrue();
            assertThat(etag(back)).isEqualTo(etag(nodes.get(0)));
        } finally {
            closeAll(nodes);
        }
    }

    @Test
    void aNodeBehindACompactionReadsEverythingWholeAgain() throws Exception {
        List<EdgeNode> nodes = nodes("/t4/", 2);
        try {
            nodes.get(1).close();
            assertThat(revoke(nodes.get(0), etag(nodes.get(0)), "01ce01")).isEqualTo("200");
            assertThat(revoke(nodes.get(0), etag(nodes.get(0)), "01ce03")).isEqualTo("200");
            long compacted;
            try (Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
                compacted = client.getKVClient().get(ByteSequence.from("/t4/", StandardCharsets.UTF_8)).get()
                        .getHeader().getRevision();
                client.getKVClient().compact(compacted, CompactOption.builder().withCompactPhysical(true).build()).get();
            }
            nodes.set(1, node("/t4/", 2)); // its snapshot is older than what etcd still has
            EdgeNode behind = nodes.get(1);
            Await.until(() -> !allowed(behind, "device-3"), "the node to refuse what it missed", Duration.ofSeconds(15));
            assertThat(allowed(behind, "device-1")).isFalse();
            assertThat(allowed(behind, "device-2")).isTrue();
            assertThat(metric(behind, "portcullis_fleet_revision")).isGreaterThanOrEqualTo(compacted);
        } finally {
            closeAll(nodes);
        }
    }
}
