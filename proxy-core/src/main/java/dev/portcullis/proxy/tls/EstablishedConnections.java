package dev.portcullis.proxy.tls;

import io.netty.channel.Channel;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The viewer connections that passed their handshake and serve requests: what a re-check walks.
 * Added on the connection's event loop when it opens for requests, removed when it closes.
 */
public final class EstablishedConnections {
    private final Map<Channel, ConnectionState> open = new ConcurrentHashMap<>();
    /** Trust changes so far: a connection checked before one but added after its walk is re-checked. */
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();
    private volatile java.util.function.BiConsumer<Channel, ConnectionState> missedChange = (c, s) -> { };

    /** How many trust changes there have been (read when a connection is accepted). */
    long changes() {
        return changes.get();
    }

    /** A trust change: counted before its walk reads the connections. */
    void changed() {
        changes.incrementAndGet();
    }

    /** What to do when a connection joins after a change it may have missed (a re-check of it). */
    void onMissedChange(java.util.function.BiConsumer<Channel, ConnectionState> action) {
        this.missedChange = action;
    }

    /**
     * Adds a connection that passed its checks; if trust changed since it was accepted, its checks may
     * have seen the old state and the change's walk may have run without it, so it is checked again.
     */
    void add(Channel channel, ConnectionState state) {
        open.put(channel, state);
        if (changes.get() != state.trustChangesAtAccept()) {
            missedChange.accept(channel, state);
        }
    }

    public void remove(Channel channel) {
        open.remove(channel);
    }

    public int size() {
        return open.size();
    }

    /** A weakly consistent view: connections opened during a walk may or may not be in it. */
    Collection<Map.Entry<Channel, ConnectionState>> entries() {
        return Collections.unmodifiableSet(open.entrySet());
    }
}
