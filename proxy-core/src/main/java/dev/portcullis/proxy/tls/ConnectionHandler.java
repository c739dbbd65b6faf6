package dev.portcullis.proxy.tls;

import dev.portcullis.proxy.ConnectionObserver;
import dev.portcullis.truststore.FailureCode;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First in the viewer pipeline: gives the connection its id and state, enforces maxConnections,
 * and makes sure a connection that started a handshake but never finished it (reset, timeout,
 * garbage) still leaves exactly one record.
 */
@ChannelHandler.Sharable
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.connection");

    private final ConnectionObserver observer;
    private final int maxConnections;
    private final AtomicInteger active = new AtomicInteger();

    /** @param maxConnections 0 for unlimited */
    public ConnectionHandler(ConnectionObserver observer, int maxConnections) {
        this.observer = observer;
        this.maxConnections = maxConnections;
    }

    public int activeConnections() {
        return active.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        int now = active.incrementAndGet();
        ConnectionState state = new ConnectionState(ConnectionIds.next(),
                (InetSocketAddress) ctx.channel().remoteAddress(), (InetSocketAddress) ctx.channel().localAddress());
        ctx.channel().attr(ConnectionState.KEY).set(state);
        if (maxConnections > 0 && now > maxConnections) {
            LOG.warn("connection {} from {} closed: maxConnections {} reached", state.connectionId(), state.client(), maxConnections);
            ctx.close();
            return;
        }
        observer.connectionOpened(state);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        active.decrementAndGet();
        ConnectionState state = ctx.channel().attr(ConnectionState.KEY).get();
        if (state != null) {
            if (state.distribution() != null && state.tlsProtocol() == null && state.markRecorded()) {
                state.fail(FailureCode.TcpError, "connection closed during the handshake");
                observer.handshakeEnded(state);
            }
            observer.connectionClosed(state);
        }
        super.channelInactive(ctx);
    }
}
