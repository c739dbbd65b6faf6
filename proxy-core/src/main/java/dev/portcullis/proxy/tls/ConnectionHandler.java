package dev.portcullis.proxy.tls;

import dev.portcullis.proxy.ConnectionObserver;
import dev.portcullis.proxy.SummarizedLog;
import dev.portcullis.truststore.FailureCode;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First in the viewer pipeline: gives the connection its id and state, enforces maxConnections and
 * the per-client-address limits,
 * and makes sure a connection that started a handshake but never finished it (reset, timeout,
 * garbage) still leaves exactly one record.
 */
@ChannelHandler.Sharable
public final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.connection");

    /** A flood of refused connections writes a few lines per limit and 10 s, not one per connection. */
    private static final SummarizedLog REFUSALS = new SummarizedLog(LOG, true, 5, 10, TimeUnit.SECONDS);

    private final ConnectionObserver observer;
    private final int maxConnections;
    private final ClientAddressLimits perAddress;
    private final AtomicInteger active = new AtomicInteger();
    private final EstablishedConnections established;

    /** @param maxConnections 0 for unlimited */
    public ConnectionHandler(ConnectionObserver observer, int maxConnections, ClientAddressLimits perAddress,
                             EstablishedConnections established) {
        this.observer = observer;
        this.maxConnections = maxConnections;
        this.perAddress = perAddress;
        this.established = established;
    }

    public int activeConnections() {
        return active.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        int now = active.incrementAndGet();
        ConnectionState state = new ConnectionState(ConnectionIds.next(),
                (InetSocketAddress) ctx.channel().remoteAddress(), (InetSocketAddress) ctx.channel().localAddress());
        String refused = maxConnections > 0 && now > maxConnections ? "maxConnections"
                : perAddress.admit(state.client().getAddress());
        if (refused != null) {
            // Not attached to the channel: a refused connection opens nothing the close must undo.
            REFUSALS.log(refused, "connection {} from {} refused: {} reached", state.connectionId(), state.client(), refused);
            observer.limitReached(refused, state);
            ctx.close();
            return;
        }
        state.trustChangesAtAccept(established.changes());
        ctx.channel().attr(ConnectionState.KEY).set(state);
        observer.connectionOpened(state);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        ConnectionState state = ctx.channel().attr(ConnectionState.KEY).get();
        if (state != null) {
            established.remove(ctx.channel());
            perAddress.closed(state.client().getAddress(), state.leaveHandshake());
            state.adoptCheck();
            if (state.tlsProtocol() == null && state.markRecorded()) {
                // Closed before a complete ClientHello too: a flood of half-open connections must
                // show in the connection log and the handshake metrics, as CloudFront's TcpError.
                state.fail(FailureCode.TcpError, state.distribution() == null
                        ? "connection closed before a complete ClientHello" : "connection closed during the handshake");
                observer.handshakeEnded(state);
            }
            observer.connectionClosed(state);
        }
        active.decrementAndGet(); // last: once the count drops, this connection's slots are free
        super.channelInactive(ctx);
    }
}
