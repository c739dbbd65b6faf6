package dev.portcullis.proxy.tls;

import dev.portcullis.config.ViewerLimits;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Concurrent connections and unfinished handshakes per client address, so one address cannot take
 * every slot of {@code maxConnections} or every handshake thread. Event loops of all connections
 * share it; each address's counts change only inside {@link ConcurrentHashMap#compute}, and an
 * address with nothing open leaves the map, so a scan from many addresses does not grow it.
 */
public final class ClientAddressLimits {
    private final int maxConnections;
    private final int maxHandshakes;
    private final ConcurrentHashMap<InetAddress, Counts> byAddress = new ConcurrentHashMap<>();

    private record Counts(int connections, int handshakes) {
    }

    public ClientAddressLimits(ViewerLimits limits) {
        this.maxConnections = limits.maxConnectionsPerClientIp();
        this.maxHandshakes = limits.maxHandshakesPerClientIp();
    }

    /**
     * Counts a new connection (which starts with a handshake) or says which limit refuses it: null
     * when admitted, else the config key of the limit.
     */
    String admit(InetAddress address) {
        String[] refused = new String[1];
        byAddress.compute(address, (a, c) -> {
            if (c == null) {
                return new Counts(1, 1);
            }
            if (c.connections >= maxConnections) {
                refused[0] = "maxConnectionsPerClientIp";
                return c;
            }
            if (c.handshakes >= maxHandshakes) {
                refused[0] = "maxHandshakesPerClientIp";
                return c;
            }
            return new Counts(c.connections + 1, c.handshakes + 1);
        });
        return refused[0];
    }

    /** The connection's handshake ended (either way); it still counts as a connection. */
    void handshakeEnded(InetAddress address) {
        byAddress.computeIfPresent(address, (a, c) -> new Counts(c.connections, Math.max(0, c.handshakes - 1)));
    }

    /** An admitted connection closed; {@code inHandshake} if its handshake had not ended. */
    void closed(InetAddress address, boolean inHandshake) {
        byAddress.computeIfPresent(address, (a, c) -> {
            int connections = c.connections - 1;
            int handshakes = inHandshake ? Math.max(0, c.handshakes - 1) : c.handshakes;
            return connections <= 0 ? null : new Counts(connections, handshakes);
        });
    }

    /** Addresses with something open (for tests and the admin view). */
    public int trackedAddresses() {
        return byAddress.size();
    }
}
