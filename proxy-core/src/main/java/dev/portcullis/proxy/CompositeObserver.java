package dev.portcullis.proxy;

import dev.portcullis.proxy.http.ExchangeRecord;
import dev.portcullis.proxy.tls.ConnectionState;
import java.util.List;

/** Tells several observers (metrics, logs) in order. */
public final class CompositeObserver implements ConnectionObserver {
    private final List<ConnectionObserver> observers;

    public CompositeObserver(List<ConnectionObserver> observers) {
        this.observers = List.copyOf(observers);
    }

    @Override
    public void connectionOpened(ConnectionState state) {
        for (ConnectionObserver o : observers) {
            o.connectionOpened(state);
        }
    }

    @Override
    public void handshakeEnded(ConnectionState state) {
        for (ConnectionObserver o : observers) {
            o.handshakeEnded(state);
        }
    }

    @Override
    public void connectionClosed(ConnectionState state) {
        for (ConnectionObserver o : observers) {
            o.connectionClosed(state);
        }
    }

    @Override
    public void exchangeEnded(ExchangeRecord exchange) {
        for (ConnectionObserver o : observers) {
            o.exchangeEnded(exchange);
        }
    }

    @Override
    public void limitReached(String limit, ConnectionState state) {
        for (ConnectionObserver o : observers) {
            o.limitReached(limit, state);
        }
    }

    @Override
    public void connectionReevaluated(ConnectionState state, boolean allowed) {
        for (ConnectionObserver o : observers) {
            o.connectionReevaluated(state, allowed);
        }
    }

    @Override
    public void functionFailed(String function, String eventType, ConnectionState state) {
        for (ConnectionObserver o : observers) {
            o.functionFailed(function, eventType, state);
        }
    }
}
