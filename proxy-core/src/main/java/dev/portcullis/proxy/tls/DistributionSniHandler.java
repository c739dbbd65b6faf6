package dev.portcullis.proxy.tls;

import dev.portcullis.proxy.HandlerNames;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;

/**
 * Reads the ClientHello's SNI, pins the connection to the current {@link Generation}, picks that
 * generation's distribution (the first one for unknown or absent SNI), and replaces itself with the
 * distribution's SslHandler. The handler's delegated tasks go through a {@link DelegatedTaskRouter}:
 * when BoringSSL delegates the client-certificate check (distributions with a connection function,
 * or without native signatures) it runs on the handshake executor; otherwise it runs inline.
 */
public final class DistributionSniHandler extends AbstractSniHandler<EdgeDistribution> {
    private final CurrentGeneration generations;
    private final EngineBindings bindings;
    private final Executor handshakeExecutor;
    private final Executor responderWaits;
    private final long handshakeTimeoutMillis;
    /** The ClientHello offered TLS 1.3: only then may a distribution with sessionResumption issue tickets. */
    private boolean offersTls13;

    /**
     * @param responderWaits where the chain checks of distributions whose trust store asks OCSP
     *                       responders run (virtual threads: a wait holds no platform thread)
     */
    public DistributionSniHandler(CurrentGeneration generations, EngineBindings bindings, Executor handshakeExecutor,
                                  Executor responderWaits, long handshakeTimeoutMillis) {
        super(handshakeTimeoutMillis);
        this.generations = generations;
        this.bindings = bindings;
        this.handshakeExecutor = handshakeExecutor;
        this.responderWaits = responderWaits;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    @Override
    protected Future<EdgeDistribution> lookup(ChannelHandlerContext ctx, io.netty.buffer.ByteBuf clientHello)
            throws Exception {
        offersTls13 = ClientHelloVersions.offersTls13(clientHello);
        return super.lookup(ctx, clientHello);
    }

    @Override
    protected Future<EdgeDistribution> lookup(ChannelHandlerContext ctx, String hostname) {
        Generation generation = generations.pin();
        ctx.channel().closeFuture().addListener(f -> generation.unpin());
        ctx.channel().attr(ConnectionState.KEY).get().pin(generation);
        return ctx.executor().newSucceededFuture(generation.distributions().forSni(hostname));
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<EdgeDistribution> future) {
        EdgeDistribution distribution = future.getNow();
        ConnectionState state = ctx.channel().attr(ConnectionState.KEY).get();
        state.chooseDistribution(distribution, hostname, ctx.executor());
        Executor checks = handshakeExecutor;
        if (distribution.authenticator().asksResponders()) {
            checks = responderWaits;
            // before the pipeline hears of the close (SslHandler then takes the engine): a waiting check ends now
            ctx.channel().closeFuture().addListener(f -> state.closed().complete(null));
        }
        SslHandler ssl = distribution.sslContext().newHandler(ctx.alloc(), new DelegatedTaskRouter(checks));
        ssl.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        state.tlsHandshakeStarted(handshakeTimeoutMillis);
        SSLEngine engine = ssl.engine();
        if (!(offersTls13 && distribution.config().viewerMtlsConfig().sessionResumption())) {
            NoResumption.apply(engine);
        }
        bindings.bind(engine, state);
        ctx.channel().closeFuture().addListener(f -> bindings.unbind(engine));
        ctx.pipeline().replace(this, HandlerNames.TLS, ssl);
    }
}
