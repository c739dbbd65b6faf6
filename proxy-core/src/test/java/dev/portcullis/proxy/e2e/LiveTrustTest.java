package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live trust through the KeyValueStore API: every call and error of the API with real curl, a
 * revocation written with PutKey refusing the next handshake of that certificate and closing its
 * established HTTP/1.1 and HTTP/2 connections while a valid client keeps getting 200, and the
 * {@code kvs} CLI against the running node.
 */
class LiveTrustTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        pki.addClient("victim", CertificateSpec.client("CN=victim,OU=devices,O=Example").serial(new BigInteger("7e57a1", 16)));
        pki.addClient("cli-victim", CertificateSpec.client("CN=cli-victim,OU=devices,O=Example").serial(new BigInteger("5c11c1", 16)));
        IssuedCertificate.writeString(dir.resolve("revocation.js"), ConnectionFunctionsTest.BLOG_FUNCTION);
        IssuedCertificate.writeString(dir.resolve("revoked.json"),
                "{\"data\":[{\"key\":\"0a1b2c3d\",\"value\":\"revoked 2026-01-02\"}]}");
        String distributions = EdgeFixture.distribution("ELIVE", "localhost", EdgeFixture.required(), "h2c://127.0.0.1:ORIGIN")
                + "    connectionFunctionAssociation: {id: revocation-check}\n";
        edge = EdgeFixture.start(pki, distributions, """
                keyValueStores:
                  - {name: revoked-serials, importSource: revoked.json}
                  - {name: scratch, importSource: revoked.json}
                  - {name: pipes, importSource: revoked.json}
                connectionFunctions:
                  - {name: revocation-check, code: revocation.js, keyValueStoreAssociations: [revoked-serials], timeout: 500ms}
                """);
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    /** An admin API answer: status, headers (lower-case names) and body. */
    record Answer(int status, String headers, String body) {
        String etag() {
            Matcher m = Pattern.compile("(?im)^etag: *(\\S+)").matcher(headers);
            return m.find() ? m.group(1) : null;
        }
    }

    static String adminUrl(String path) {
        return "http://127.0.0.1:" + edge.node.adminAddress().orElseThrow().getPort() + path;
    }

    static Answer admin(String method, String path, String body, String... headers) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "-X", method, "-D", "-", "--max-time", "20"));
        for (String h : headers) {
            cmd.addAll(List.of("-H", h));
        }
        if (body != null) {
            // A large body goes through a file: one command-line argument holds at most 128 KB.
            String data = body;
            if (body.length() > 64 * 1024) {
                Path file = dir.resolve("body-" + System.nanoTime() + ".json");
                IssuedCertificate.writeString(file, body);
                data = "@" + file;
            }
            cmd.addAll(List.of("-H", "Content-Type: application/json", "--data-binary", data));
        }
        cmd.add(adminUrl(path));
        Proc run = Proc.run(cmd);
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        String out = run.stdout().replace("\r\n", "\n");
        int split = out.indexOf("\n\n");
        String head = out.substring(0, split);
        int status = Integer.parseInt(head.lines().findFirst().orElseThrow().split(" ")[1]);
        return new Answer(status, head, out.substring(split + 2));
    }

    static String etag(String store) {
        return admin("GET", "/key-value-stores/" + store, null).etag();
    }

    @Test
    void theApiAnswersEveryCallAndErrorAsCloudFrontsDoes() {
        Answer described = admin("GET", "/key-value-stores/scratch", null);
        assertThat(described.status()).isEqualTo(200);
        assertThat(described.body()).contains("\"Name\":\"scratch\"", "\"ItemCount\":1", "\"TotalSizeInBytes\":26",
                "\"Status\":\"READY\"", "\"Created\":", "\"LastModified\":");
        String etag = described.etag();
        assertThat(etag).isNotBlank();

        Answer unconditional = admin("PUT", "/key-value-stores/scratch/keys/k1", "{\"Value\":\"v1\"}");
        assertThat(unconditional.status()).isEqualTo(428);
        assertThat(unconditional.body()).startsWith("{\"Message\":\"").contains("If-Match");

        Answer put = admin("PUT", "/key-value-stores/scratch/keys/k1", "{\"Value\":\"v1\"}", "If-Match: " + etag);
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.body()).contains("\"ItemCount\":2", "\"TotalSizeInBytes\":30", "\"ETag\":\"" + put.etag() + "\"");
        assertThat(put.etag()).isNotEqualTo(etag);

        Answer stale = admin("PUT", "/key-value-stores/scratch/keys/k2", "{\"Value\":\"v2\"}", "If-Match: " + etag);
        assertThat(stale.status()).isEqualTo(412);
        assertThat(admin("GET", "/key-value-stores/scratch/keys/k2", null).status()).as("a 412 changes nothing").isEqualTo(404);

        Answer got = admin("GET", "/key-value-stores/scratch/keys/k1", null);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.body()).contains("\"Key\":\"k1\"", "\"Value\":\"v1\"", "\"ItemCount\":2", "\"TotalSizeInBytes\":30");
        Answer missing = admin("GET", "/key-value-stores/scratch/keys/nope", null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.body()).startsWith("{\"Message\":");

        String tooLong = "k".repeat(513);
        String batch = "{\"Puts\":[{\"Key\":\"k3\",\"Value\":\"v3\"},{\"Key\":\"" + tooLong + "\",\"Value\":\"x\"}],"
                + "\"Deletes\":[{\"Key\":\"k1\"}]}";
        Answer invalid = admin("POST", "/key-value-stores/scratch/keys", batch, "If-Match: " + put.etag());
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.body()).contains("kkkkkkkk").contains("513 bytes");
        assertThat(admin("GET", "/key-value-stores/scratch/keys/k3", null).status()).as("all or nothing").isEqualTo(404);
        assertThat(admin("GET", "/key-value-stores/scratch/keys/k1", null).status()).isEqualTo(200);
        assertThat(etag("scratch")).isEqualTo(put.etag());

        Answer updated = admin("POST", "/key-value-stores/scratch/keys",
                "{\"Puts\":[{\"Key\":\"k3\",\"Value\":\"v3\"},{\"Key\":\"k4\",\"Value\":\"v4\"}],\"Deletes\":[{\"Key\":\"k1\"}]}",
                "If-Match: " + put.etag());
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.body()).contains("\"ItemCount\":3");

        Answer page = admin("GET", "/key-value-stores/scratch/keys?MaxResults=2", null);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).contains("{\"Key\":\"0a1b2c3d\",\"Value\":\"revoked 2026-01-02\"}", "{\"Key\":\"k3\",\"Value\":\"v3\"}")
                .doesNotContain("k4");
        Matcher token = Pattern.compile("\"NextToken\":\"([^\"]+)\"").matcher(page.body());
        assertThat(token.find()).as(page.body()).isTrue();
        Answer next = admin("GET", "/key-value-stores/scratch/keys?MaxResults=2&NextToken=" + token.group(1), null);
        assertThat(next.body()).contains("\"Key\":\"k4\"").doesNotContain("NextToken").doesNotContain("k3");
        assertThat(admin("GET", "/key-value-stores/scratch/keys?MaxResults=51", null).status()).isEqualTo(400);

        Answer deleted = admin("DELETE", "/key-value-stores/scratch/keys/k4", null, "If-Match: \"" + updated.etag() + "\"");
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(deleted.body()).contains("\"ItemCount\":2");

        // A key with '+' and '/' in it (base64, say): decoded as a path, '+' stays a plus sign.
        String tag = admin("GET", "/key-value-stores/scratch", null).etag();
        Answer plus = admin("PUT", "/key-value-stores/scratch/keys/ab+c%2Fd", "{\"Value\":\"p\"}", "If-Match: " + tag);
        assertThat(plus.status()).isEqualTo(200);
        assertThat(admin("GET", "/key-value-stores/scratch/keys/ab%2Bc%2Fd", null).body()).contains("\"Key\":\"ab+c/d\"");
        Answer badEscape = admin("GET", "/key-value-stores/scratch/keys/%zz", null);
        assertThat(badEscape.status()).isEqualTo(400);
        assertThat(badEscape.body()).startsWith("{\"Message\":");
        Answer huge = admin("POST", "/key-value-stores/scratch/keys", "x".repeat(5 * 1024 * 1024), "If-Match: " + plus.etag());
        assertThat(huge.status()).isEqualTo(413);
        assertThat(huge.body()).startsWith("{\"Message\":");
        deleted = admin("DELETE", "/key-value-stores/scratch/keys/ab+c%2Fd", null, "If-Match: " + plus.etag());
        assertThat(deleted.status()).isEqualTo(200);

        // Strict bodies: a duplicate member, a stray member or trailing text is 400, never "last one wins".
        String now = deleted.etag();
        assertThat(admin("POST", "/key-value-stores/scratch/keys",
                "{\"Puts\":[{\"Key\":\"d1\",\"Value\":\"1\"}],\"Puts\":[{\"Key\":\"d2\",\"Value\":\"2\"}]}",
                "If-Match: " + now).status()).isEqualTo(400);
        assertThat(admin("PUT", "/key-value-stores/scratch/keys/d3", "{\"Value\":\"1\",\"Value\":\"2\"}", "If-Match: " + now)
                .status()).isEqualTo(400);
        assertThat(admin("PUT", "/key-value-stores/scratch/keys/d3", "{\"Value\":\"1\"} trailing", "If-Match: " + now)
                .status()).isEqualTo(400);
        assertThat(admin("PUT", "/key-value-stores/scratch/keys/d3", "{\"Valeu\":\"1\"}", "If-Match: " + now).body())
                .contains("unexpected member");
        assertThat(admin("GET", "/key-value-stores/scratch/keys/%FF", null).status()).as("not UTF-8").isEqualTo(400);
        assertThat(etag("scratch")).as("none of them changed anything").isEqualTo(now);
        Answer listed = admin("PUT", "/key-value-stores/scratch/keys/d4", "{\"Value\":\"1\"}",
                "If-Match: \"stale-9\", \"" + now + "\"");
        assertThat(listed.status()).as("If-Match with a list of tags").isEqualTo(200);
        assertThat(admin("GET", "/healthz?probe=1", null).status()).isEqualTo(200);
        assertThat(admin("GET", "/key-value-stores/scratch", null, "Host: attacker.example").status())
                .as("DNS rebinding: a foreign Host on the plain loopback admin").isEqualTo(403);
        deleted = listed;

        Answer unknown = admin("GET", "/key-value-stores/nope", null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body()).contains("\"Message\":\"no KeyValueStore named nope\"");
        assertThat(admin("PUT", "/key-value-stores/nope/keys/a", "{\"Value\":\"1\"}", "If-Match: x").status()).isEqualTo(404);
        assertThat(admin("PUT", "/key-value-stores/scratch/keys/a", "not json", "If-Match: " + deleted.etag()).status())
                .isEqualTo(400);
        assertThat(admin("PUT", "/key-value-stores/scratch/keys/" + "v".repeat(10), "{\"Value\":\"" + "v".repeat(1025) + "\"}",
                "If-Match: " + deleted.etag()).body()).contains("1025 bytes");
    }

    @Test
    void aRevocationRefusesTheNextHandshakeAndClosesTheCertificatesOpenConnections() throws Exception {
        assertThat(edge.get("victim", "/before").exitCode()).isZero();
        RawTls http1 = RawTls.connect(edge.pki, "victim", edge.node.port());
        assertThat(http1.send("GET /one HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse()).startsWith("HTTP/1.1 200");
        Process http2 = H2Probe.start(edge, dir, "hold", "victim");
        BufferedReader h2out = new BufferedReader(new InputStreamReader(http2.getInputStream(), StandardCharsets.UTF_8));
        String h2seen = awaitLine(h2out, "held");
        assertThat(h2seen).contains("status 200");
        RawTls validOpen = RawTls.connect(edge.pki, "client", edge.node.port());
        assertThat(validOpen.send("GET /open HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse()).startsWith("HTTP/1.1 200");

        // A valid client keeps going through the whole revocation.
        AtomicBoolean stop = new AtomicBoolean();
        // A thread of its own: Proc reads curl's output on the common pool, which this loop must not hold.
        CompletableFuture<List<Integer>> valid = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            List<Integer> codes = new ArrayList<>();
            while (!stop.get()) {
                codes.add(edge.get("client", "/valid").exitCode());
            }
            valid.complete(codes);
        });
        try {
            Answer revoked = admin("PUT", "/key-value-stores/revoked-serials/keys/7e57a1",
                    "{\"Value\":\"revoked by the test\"}", "If-Match: " + etag("revoked-serials"));
            long written = System.nanoTime();
            assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);

            Proc refused = edge.get("victim", "/after");
            assertThat(refused.exitCode()).as("the next handshake of the revoked certificate").isNotZero();

            http1.readToClose();
            long http1Closed = System.nanoTime();
            String h2rest = awaitLine(h2out, "closed");
            long http2Closed = System.nanoTime();
            assertThat(h2rest).contains("goaway 0");
            // The node closes them within 1 s; the bound here leaves room for a loaded test machine.
            assertThat(Duration.ofNanos(http1Closed - written)).isLessThan(Duration.ofSeconds(3));
            assertThat(Duration.ofNanos(http2Closed - written)).isLessThan(Duration.ofSeconds(3));
        } finally {
            stop.set(true);
            http1.close();
            http2.destroy();
        }
        // The valid client's established connection was re-checked too, allowed, and still serves.
        assertThat(validOpen.send("GET /still-open HTTP/1.1\r\nHost: localhost\r\n\r\n").readResponse())
                .startsWith("HTTP/1.1 200");
        validOpen.close();
        List<Integer> codes = valid.get(60, TimeUnit.SECONDS);
        assertThat(codes).isNotEmpty().containsOnly(0);
        assertThat(edge.get("client", "/still").exitCode()).isZero();
        assertThat(edge.node.metrics().scrape())
                .containsPattern("portcullis_connections_reevaluated_total\\{distribution=\"ELIVE\",result=\"refused\"} [2-9]")
                .containsPattern("portcullis_connections_reevaluated_total\\{distribution=\"ELIVE\",result=\"allowed\"} [1-9]");
    }

    @Test
    void pipelinedAdminRequestsAreAnsweredInOrder() throws Exception {
        String tag = etag("pipes");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", edge.node.adminAddress().orElseThrow().getPort())) {
            socket.setSoTimeout(20_000);
            String put = "PUT /key-value-stores/pipes/keys/pipelined HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-Match: " + tag
                    + "\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"Value\":\"1\"}";
            String get = "GET /key-value-stores/pipes/keys/pipelined HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
            socket.getOutputStream().write((put + get).getBytes(StandardCharsets.US_ASCII));
            String answers = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answers).contains("\"Value\":\"1\"");
            assertThat(answers.indexOf("\"ETag\"")).as("the PutKey's answer comes first").isPositive()
                    .isLessThan(answers.indexOf("\"Value\":\"1\""));
        }
    }

    @Test
    void theKvsCliWritesThroughTheApi() {
        assertThat(edge.get("cli-victim", "/before").exitCode()).isZero();
        String admin = adminUrl("");
        Cli.Result put = Cli.run("kvs", "put", "--store", "revoked-serials", "--admin", admin, "--key", "5c11c1",
                "--value", "revoked from the CLI");
        assertThat(put.exitCode()).as(put.err()).isZero();
        assertThat(put.out()).contains("\"ETag\":");
        assertThat(edge.get("cli-victim", "/after").exitCode()).isNotZero();

        Cli.Result got = Cli.run("kvs", "get", "--store", "revoked-serials", "--admin", admin, "--key", "5c11c1");
        assertThat(got.out()).contains("\"Value\":\"revoked from the CLI\"");
        Cli.Result described = Cli.run("kvs", "describe", "--store", "revoked-serials", "--admin", admin);
        assertThat(described.out()).contains("\"Name\":\"revoked-serials\"");
        Cli.Result listed = Cli.run("kvs", "list", "--store", "revoked-serials", "--admin", admin, "--max-results", "50");
        assertThat(listed.out()).contains("5c11c1");

        Cli.Result stale = Cli.run("kvs", "delete", "--store", "revoked-serials", "--admin", admin, "--key", "5c11c1",
                "--if-match", "stale-1");
        assertThat(stale.exitCode()).isNotZero();
        assertThat(stale.err()).contains("412").contains("is not the current ETag");

        Cli.Result deleted = Cli.run("kvs", "delete", "--store", "revoked-serials", "--admin", admin, "--key", "5c11c1");
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(edge.get("cli-victim", "/again").exitCode()).as("unrevoked").isZero();

        Path changes = dir.resolve("changes.json");
        IssuedCertificate.writeString(changes, "{\"Puts\":[{\"Key\":\"5c11c1\",\"Value\":\"batch\"}],\"Deletes\":[]}");
        assertThat(Cli.run("kvs", "update", "--store", "revoked-serials", "--admin", admin, "--file", changes.toString())
                .exitCode()).isZero();
        assertThat(edge.get("cli-victim", "/batched").exitCode()).isNotZero();

        Path replacement = dir.resolve("replacement.json");
        IssuedCertificate.writeString(replacement, "{\"data\":[{\"key\":\"0a1b2c3d\",\"value\":\"only this\"}]}");
        Cli.Result imported = Cli.run("kvs", "import", "--store", "revoked-serials", "--admin", admin,
                "--file", replacement.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("\"ItemCount\":1");
        assertThat(edge.get("cli-victim", "/imported").exitCode()).isZero();

        Cli.Result unknown = Cli.run("kvs", "describe", "--store", "nope", "--admin", admin);
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.err()).contains("404").contains("no KeyValueStore named nope");
    }

    /** Reads lines until one contains {@code marker}; returns everything read. Fails after 30 s. */
    static String awaitLine(BufferedReader in, String marker) throws Exception {
        StringBuilder seen = new StringBuilder();
        CompletableFuture<String> found = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                String line;
                while ((line = in.readLine()) != null) {
                    seen.append(line).append('\n');
                    if (line.contains(marker)) {
                        found.complete(seen.toString());
                        return;
                    }
                }
                found.completeExceptionally(new AssertionError("no '" + marker + "' before the end of: " + seen));
            } catch (java.io.IOException e) {
                found.completeExceptionally(e);
            }
        });
        return found.get(30, TimeUnit.SECONDS);
    }
}
