package dev.portcullis.proxy.tls;

import dev.portcullis.proxy.HandlerNames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;

/**
 * Reads the ClientHello's SNI, picks the distribution (the first one for unknown or absent SNI),
 * and replaces itself with that distribution's SslHandler. The handler's delegated tasks go through a
 * {@link DelegatedTaskRouter}: the client-certificate checks BoringSSL delegates run on the handshake
 * executor, never on the event loop.
 */
public final class DistributionSniHandler extends AbstractSniHandler<EdgeDistribution> {
    private final EdgeDistributions distributions;
    private final EngineBindings bindings;
    private final Executor handshakeExecutor;
    private final long handshakeTimeoutMillis;

    public DistributionSniHandler(EdgeDistributions distributions, EngineBindings bindings,
                                  Executor handshakeExecutor, long handshakeTimeoutMillis) {
        super(handshakeTimeoutMillis);
        this.distributions = distributions;
        this.bindings = bindings;
        this.handshakeExecutor = handshakeExecutor;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    @Override
    protected Future<EdgeDistribution> lookup(ChannelHandlerContext ctx, String hostname) {
        return ctx.executor().newSucceededFuture(distributions.forSni(hostname));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<EdgeDistribution> future) {
        EdgeDistribution distribution = future.getNow();
        ConnectionState state = ctx.channel().attr(ConnectionState.KEY).get();
        state.chooseDistribution(distribution, hostname, ctx.executor());
        SslHandler ssl = distribution.sslContext().newHandler(ctx.alloc(), new DelegatedTaskRouter(handshakeExecutor));
        ssl.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        SSLEngine engine = ssl.engine();
        NoResumption.apply(engine);
        bindings.bind(engine, state);
        ctx.channel().closeFuture().addListener(f -> bindings.unbind(engine));
        ctx.pipeline().replace(this, HandlerNames.TLS, ssl);
    }
}
