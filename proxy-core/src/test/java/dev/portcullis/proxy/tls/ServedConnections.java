package dev.portcullis.proxy.tls;

import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;

/**
 * For tests of the layers above TLS: a connection's state as the SNI step leaves it, the connection
 * pinned to a generation and served by the distribution that {@code serverName} picks there.
 */
public final class ServedConnections {
    private ServedConnections() {
    }

    public static ConnectionState servedBy(Generation generation, String serverName, EventExecutor loop) {
        ConnectionState state = new ConnectionState("conn-test", new InetSocketAddress("127.0.0.1", 40000),
                new InetSocketAddress("127.0.0.1", 443));
        state.pin(generation);
        state.chooseDistribution(generation.distributions().forSni(serverName), serverName, loop);
        return state;
    }
}
