package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code server.maxConnections} bounds the node as a whole, whichever addresses the connections
 * come from (here 2, from three loopback addresses, so the per-address limits are not what
 * refuses); a refusal is counted in portcullis_limits_reached_total{limit="maxConnections"} and a
 * slot freed by a close is used again.
 */
class MaxConnectionsTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        edge = EdgeFixture.start(new TestPki(dir), EdgeFixture.distribution("EMAX", "localhost", EdgeFixture.required(),
                "http://127.0.0.1:ORIGIN"), "", """
                  maxConnections: 2
                """);
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    @Test
    void theNodeHoldsAtMostMaxConnectionsFromAllAddressesTogether() throws IOException {
        try (Socket first = from("127.0.0.1"); Socket second = from("127.0.0.2")) {
            awaitTrue(() -> edge.node.server().activeConnections() == 2, "both connections to be accepted");
            double before = refusals();
            try (Socket third = from("127.0.0.3")) {
                third.setSoTimeout(10_000);
                assertThat(readsEndOfStream(third.getInputStream())).as("the third connection is closed at once").isTrue();
            }
            assertThat(refusals()).isGreaterThan(before);
            // the refused connection is counted out when the node's side of it has closed too
            awaitTrue(() -> edge.node.server().activeConnections() == 2, "the refused connection to be counted out");
        }
        awaitTrue(() -> edge.node.server().activeConnections() == 0, "the held connections to be counted out");
        // the slots are free again: a real client is served
        Proc served = edge.get("client", "/after");
        assertThat(served.exitCode()).as(served.stderr()).isZero();
    }

    private static Socket from(String address) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", edge.node.port()));
        return socket;
    }

    private static boolean readsEndOfStream(InputStream in) {
        try {
            return in.read() == -1;
        } catch (IOException reset) {
            return true; // a reset is a close too
        }
    }

    private static double refusals() {
        Matcher m = Pattern.compile("(?m)^portcullis_limits_reached_total\\{limit=\"maxConnections\"} (\\S+)$")
                .matcher(edge.node.metrics().scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }
}
