package dev.portcullis.proxy;

import dev.portcullis.proxy.http.ViewerHttpInstaller;
import dev.portcullis.proxy.tls.ClientAddressLimits;
import dev.portcullis.proxy.tls.ConnectionHandler;
import dev.portcullis.proxy.tls.CurrentGeneration;
import dev.portcullis.proxy.tls.DistributionSniHandler;
import dev.portcullis.proxy.tls.EngineBindings;
import dev.portcullis.proxy.tls.EstablishedConnections;
import dev.portcullis.proxy.tls.HandshakeAcks;
import dev.portcullis.proxy.tls.TlsOutcomeHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * The viewer pipeline, in the order {@link HandlerNames} documents, as small named steps (as Zuul's
 * {@code BaseZuulChannelInitializer} builds its own):
 * <ol>
 *   <li>{@link #initChannel accepted}: {@code connection}, {@code handshake-acks}, {@code sni},
 *       {@code tls-outcome}, here;</li>
 *   <li>TLS: the SNI handler replaces itself with the chosen distribution's {@code tls} handler (the
 *       generation is pinned at that moment, so the step lives with the choice);</li>
 *   <li>HTTP: once ALPN has chosen, {@code tls-outcome} hands the pipeline to
 *       {@link ViewerHttpInstaller}'s {@code http1} or {@code http2} step (and {@code http2Stream} for
 *       each stream), each ending in {@code proxy}.</li>
 * </ol>
 * Every handler is added under its {@link HandlerNames} name. Nothing here does I/O or starts a
 * thread: it runs once per accepted connection, on its event loop.
 */
final class ViewerPipeline extends ChannelInitializer<Channel> {
    private final ChannelGroup channels;
    private final ConnectionHandler connectionHandler;
    private final CurrentGeneration generation;
    private final EngineBindings bindings;
    private final ThreadPoolExecutor handshakeExecutor;
    private final Executor responderWaits;
    private final long handshakeTimeoutMillis;
    private final ConnectionObserver observer;
    private final ViewerHttpInstaller http;
    private final ClientAddressLimits perAddress;
    private final EstablishedConnections established;

    ViewerPipeline(ChannelGroup channels, ConnectionHandler connectionHandler, CurrentGeneration generation,
                   EngineBindings bindings, ThreadPoolExecutor handshakeExecutor, Executor responderWaits,
                   long handshakeTimeoutMillis, ConnectionObserver observer, ViewerHttpInstaller http,
                   ClientAddressLimits perAddress, EstablishedConnections established) {
        this.channels = channels;
        this.connectionHandler = connectionHandler;
        this.generation = generation;
        this.bindings = bindings;
        this.handshakeExecutor = handshakeExecutor;
        this.responderWaits = responderWaits;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.observer = observer;
        this.http = http;
        this.perAddress = perAddress;
        this.established = established;
    }

    /** The accepted step: what every connection gets before its first byte is read. */
    @Override
    protected void initChannel(Channel ch) {
        channels.add(ch);
        ch.pipeline().addLast(HandlerNames.CONNECTION, connectionHandler);
        ch.pipeline().addLast(HandlerNames.HANDSHAKE_ACKS, HandshakeAcks.INSTANCE);
        ch.pipeline().addLast(HandlerNames.SNI, new DistributionSniHandler(generation, bindings,
                handshakeExecutor, responderWaits, handshakeTimeoutMillis));
        ch.pipeline().addLast(HandlerNames.TLS_OUTCOME, new TlsOutcomeHandler(observer, http, handshakeExecutor,
                responderWaits, perAddress, established));
    }
}
