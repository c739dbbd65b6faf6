package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.IssuedCertificate;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short soak CI runs (load-tests/soak.sh is the hour-class one): mixed traffic from four
 * clients at once (handshakes with a connection function, keep-alive HTTP/1.1, HTTP/2, refused
 * clients, uploads), bounded by a count of rounds. Afterwards the node's descriptors and threads
 * are back to where they were, every valid request got 200 and every refused client was refused;
 * the leak detector (PARANOID) fails the class on any leaked buffer.
 */
class SoakTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        IssuedCertificate.writeString(dir.resolve("revocation.js"), ConnectionFunctionsTest.BLOG_FUNCTION);
        IssuedCertificate.writeString(dir.resolve("revoked.json"), "{\"data\":[{\"key\":\"00\",\"value\":\"x\"}]}");
        edge = EdgeFixture.start(pki, EdgeFixture.distribution("ESOAK", "localhost", EdgeFixture.required(), "h2c://127.0.0.1:ORIGIN")
                + "    connectionFunctionAssociation: {id: revocation-check}\n", """
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

    @Test
    void mixedTrafficLeavesNoDescriptorsThreadsOrBuffersBehind() throws Exception {
        Path upload = dir.resolve("upload.bin");
        java.nio.file.Files.write(upload, new byte[256 * 1024]);
        edge.get("client", "/warm-up");
        awaitIdle();
        int fdsBefore = openDescriptors();
        int threadsBefore = Thread.activeCount();

        ConcurrentHashMap<String, AtomicInteger> wrong = new ConcurrentHashMap<>();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            int client = c;
            clients.add(CompletableFuture.runAsync(() -> {
                for (int round = 0; round < 12; round++) {
                    switch ((client + round) % 4) {
                        // each -o binds to the next URL; edge.get puts its own path last
                        case 0 -> expect(wrong, "keep-alive", edge.get("client", "/a", "--http1.1", "-w", "%{http_code}",
                                "-o", "/dev/null", edge.url("/b"), "-o", "/dev/null", edge.url("/c"), "-o", "/dev/null"),
                                "200200200");
                        case 1 -> expect(wrong, "http2", edge.get("client", "/h2", "--http2", "-w", "%{http_code}",
                                "-o", "/dev/null", edge.url("/h2b"), "-o", "/dev/null"), "200200");
                        case 2 -> expect(wrong, "upload", edge.get("client", "/upload", "-o", "/dev/null", "-w",
                                "%{http_code}", "--data-binary", "@" + upload), "200");
                        default -> {
                            Proc refused = edge.get(round % 2 == 0 ? "untrusted" : null, "/");
                            if (refused.exitCode() == 0) {
                                wrong.computeIfAbsent("refused", k -> new AtomicInteger()).incrementAndGet();
                            }
                        }
                    }
                }
            }));
        }
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).join();

        assertThat(wrong).as("requests that did not get what they should").isEmpty();
        awaitIdle();
        assertThat(openDescriptors()).as("open descriptors").isLessThanOrEqualTo(fdsBefore + 8);
        assertThat(Thread.activeCount()).as("threads").isLessThanOrEqualTo(threadsBefore + 4);
    }

    private static void expect(ConcurrentHashMap<String, AtomicInteger> wrong, String what, Proc proc, String out) {
        if (proc.exitCode() != 0 || !proc.stdout().equals(out)) {
            wrong.computeIfAbsent(what + ": " + proc.stdout() + " " + proc.stderr().strip(), k -> new AtomicInteger())
                    .incrementAndGet();
        }
    }

    /** Viewer connections closed and the origin pool's connections back to idle or closed. */
    private static void awaitIdle() {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (edge.node.server().activeConnections() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("viewer connections still open: " + edge.node.server().activeConnections());
            }
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
    }

    private static int openDescriptors() {
        String[] fds = new File("/proc/self/fd").list();
        return fds == null ? 0 : fds.length;
    }
}
