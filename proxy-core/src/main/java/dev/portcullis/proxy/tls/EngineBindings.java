package dev.portcullis.proxy.tls;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;

/**
 * Lets the trust manager, which BoringSSL calls with only the SSLEngine, find the connection it is
 * checking. Bound when the SslHandler is created, unbound when the channel closes.
 */
public final class EngineBindings {
    private final Map<SSLEngine, ConnectionState> states = new ConcurrentHashMap<>();

    void bind(SSLEngine engine, ConnectionState state) {
        states.put(engine, state);
    }

    void unbind(SSLEngine engine) {
        states.remove(engine);
    }

    ConnectionState get(SSLEngine engine) {
        return states.get(engine);
    }

    public int size() {
        return states.size();
    }
}
