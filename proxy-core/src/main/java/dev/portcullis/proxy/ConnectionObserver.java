package dev.portcullis.proxy;

import dev.portcullis.proxy.http.ExchangeRecord;
import dev.portcullis.proxy.tls.ConnectionState;

/**
 * What the server tells logs and metrics. Called on event loops: implementations must not block.
 */
public interface ConnectionObserver {
    /** A TCP connection was accepted. */
    default void connectionOpened(ConnectionState state) {
    }

    /**
     * The handshake ended, successfully ({@link ConnectionState#handshakeSucceeded()}) or not:
     * called exactly once for every connection that started a handshake.
     */
    default void handshakeEnded(ConnectionState state) {
    }

    /** The connection closed. */
    default void connectionClosed(ConnectionState state) {
    }

    /** One request/response exchange ended (completed, failed or aborted). */
    default void exchangeEnded(ExchangeRecord exchange) {
    }

    /**
     * A limit refused or closed a connection or request ({@code limit} is the config key's name,
     * such as {@code requestHeaderTimeout} or {@code maxConnectionsPerClientIp}).
     */
    default void limitReached(String limit, ConnectionState state) {
    }

    /**
     * A re-check after a trust change decided on an established connection: allowed, or refused
     * (and then withdrawn). Called on the connection's event loop.
     */
    default void connectionReevaluated(ConnectionState state, boolean allowed) {
    }

    /**
     * A viewer function ({@code functions}) faulted on a request or response ({@code eventType}
     * viewer-request or viewer-response); the viewer got a 503. Called on the connection's event loop.
     */
    default void functionFailed(String function, String eventType, ConnectionState state) {
    }

    ConnectionObserver NONE = new ConnectionObserver() {
    };
}
