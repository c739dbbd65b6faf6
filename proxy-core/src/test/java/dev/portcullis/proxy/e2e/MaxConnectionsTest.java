package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
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
            Await.until(() -> edge.node.server().activeConnections() == 2, "both connections to be accepted", Duration.ofSeconds(15));
            double before = refusals();
            try (Socket third = from("127.0.0.3")) {
                third.setSoTimeout(10_000);
                assertThat(readsEndOfStream(third.getInputStream())).as("the third connection is closed at once").isTrue();
            }
            assertThat(refusals()).isGreaterThan(before);
            // the refused connection is counted out when the node's side of it has closed too
            Await.until(() -> edge.node.server().activeConnections() == 2, "the refused connection to be counted out", Duration.ofSeconds(15));
        }
        Await.until(() -> edge.node.server().activeConnections() == 0, "the held connections to be counted out", Duration.ofSeconds(15));
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
        return edge.metric("portcullis_limits_reached_total\\{limit=\"maxConnections\"}");
    }

}
