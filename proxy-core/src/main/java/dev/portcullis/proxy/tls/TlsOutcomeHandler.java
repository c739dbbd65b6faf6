package dev.portcullis.proxy.tls;

import dev.portcullis.config.MtlsMode;
import dev.portcullis.proxy.ConnectionObserver;
import dev.portcullis.proxy.SummarizedLog;
import dev.portcullis.proxy.http.ViewerHttpInstaller;
import dev.portcullis.truststore.FailureCode;
import dev.portcullis.viewerheaders.ViewerCertHeaders;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import dev.portcullis.proxy.functions.FunctionGate;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the end of the handshake into facts on the connection and one observer call, then installs
 * the HTTP codec ALPN chose and steps out of the pipeline.
 *
 * <p>A resumed TLS 1.3 session (distributions with {@code sessionResumption}) never ran the trust
 * manager: BoringSSL does not verify again on resumption. Before it reads a byte of HTTP, such a
 * connection is checked as a full handshake is: the chain the session holds against the
 * distribution's trust store as it is now, revocation, and the connection function; with the same
 * failure codes and one connection-log record, marked {@code tlsSessionResumed}. A refused one is
 * closed (its TLS handshake is over, so there is no alert to send).
 */
public final class TlsOutcomeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.handshake");
    /**
     * Refusals are INFO, but a flood of them (80,000 in 50 s of clients without a certificate) is
     * summarised per failure code: the connection log has every attempt.
     */
    private static final SummarizedLog REFUSED = new SummarizedLog(LOG, false, 10, 10, TimeUnit.SECONDS);

    private final ConnectionObserver observer;
    private final ViewerHttpInstaller http;
    private final Executor handshakeExecutor;
    private final Executor responderWaits;
    private final ClientAddressLimits perAddress;
    private final EstablishedConnections established;

    /**
     * @param responderWaits where the check of a resumed session runs when its trust store may ask an
     *                       OCSP responder (virtual threads), as the handshake's own check does
     */
    public TlsOutcomeHandler(ConnectionObserver observer, ViewerHttpInstaller http, Executor handshakeExecutor,
                             Executor responderWaits, ClientAddressLimits perAddress, EstablishedConnections established) {
        this.observer = observer;
        this.http = http;
        this.handshakeExecutor = handshakeExecutor;
        this.responderWaits = responderWaits;
        this.perAddress = perAddress;
        this.established = established;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SniCompletionEvent sni && !sni.isSuccess()) {
            // No complete ClientHello within the handshake timeout (the SNI handler closes next).
            ConnectionState state = ctx.channel().attr(ConnectionState.KEY).get();
            if (state.markRecorded()) {
                state.fail(HandshakeFailures.classify(sni.cause()), "no complete ClientHello: "
                        + HandshakeFailures.describe(sni.cause()));
                observer.handshakeEnded(state);
            }
            return;
        }
        if (!(evt instanceof SslHandshakeCompletionEvent completion)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        ConnectionState state = ctx.channel().attr(ConnectionState.KEY).get();
        if (state.leaveHandshake()) {
            perAddress.handshakeEnded(state.client().getAddress());
        }
        state.adoptCheck(); // what the trust manager decided, taken over before anything is recorded
        if (completion.isSuccess()) {
            HandshakeAcks.handshakeFinished(ctx.pipeline());
            succeeded(ctx, state);
        } else {
            failed(ctx, state, completion.cause());
        }
    }

    private void succeeded(ChannelHandlerContext ctx, ConnectionState state) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        SSLSession session = ssl.engine().getSession();
        state.handshakeDone(session.getProtocol(), session.getCipherSuite());
        if (resumed(ssl)) {
            checkResumed(ctx, state, ssl.applicationProtocol(), peerChain(session));
            return;
        }
        MtlsMode mode = state.distribution().mode();
        if (state.failure() != null || mode == MtlsMode.REQUIRED && state.verifiedClient() == null) {
            // Fail closed: a finished handshake on a required distribution without a verified client
            // must never reach an origin, whatever path led here.
            state.fail(FailureCode.Internal, "handshake finished without a verified client certificate");
            record(state);
            ctx.close();
            return;
        }
        boolean noCertificate = state.certificateHeaders().isEmpty();
        if (noCertificate && state.distribution().function().isPresent()) {
            decideWithoutCertificate(ctx, state, ssl.applicationProtocol());
            return;
        }
        open(ctx, state, ssl.applicationProtocol());
    }

    private void open(ChannelHandlerContext ctx, ConnectionState state, String alpn) {
        if (state.certificateHeaders().isEmpty()) {
            state.certificateHeaders(ViewerCertHeaders.absent());
        }
        state.filterForOrigin();
        record(state);
        http.install(ctx.pipeline(), alpn);
        if (ctx.channel().isActive()) {
            established.add(ctx.channel(), state); // from here a trust change re-checks it
        }
        ctx.pipeline().remove(this);
    }

    /**
     * Optional and passthrough modes run the connection function for clients without a certificate
     * too. BoringSSL only calls the verifier when a certificate was sent, so this runs right after
     * the handshake, on the handshake executor, with reads paused: no request is read until the
     * function allowed the connection, and a refused connection is closed without reading any.
     */
    private void decideWithoutCertificate(ChannelHandlerContext ctx, ConnectionState state, String alpn) {
        ctx.channel().config().setAutoRead(false);
        FunctionGate gate = state.distribution().function().get();
        try {
            handshakeExecutor.execute(() -> {
                FunctionGate.Outcome outcome = gate.decide(state.connectionId(),
                        state.clientIp(), state.sni(), state.distribution().id(), Optional.empty());
                ctx.executor().execute(() -> decided(ctx, state, alpn, outcome));
            });
        } catch (RejectedExecutionException e) {
            state.fail(FailureCode.Internal, "handshake executor full");
            record(state);
            ctx.close();
        }
    }

    private void decided(ChannelHandlerContext ctx, ConnectionState state, String alpn, FunctionGate.Outcome outcome) {
        state.functionDecided(outcome);
        if (outcome.rejection().isPresent()) {
            state.fail(outcome.rejection().get().code(), outcome.rejection().get().reason());
            REFUSED.log(state.failure().name(), "connection {} from {} refused: {} ({})", state.connectionId(),
                    state.client(), state.failure(), state.failureReason());
            record(state);
            ctx.close();
            return;
        }
        if (!ctx.channel().isActive()) {
            return;
        }
        open(ctx, state, alpn);
        ctx.channel().config().setAutoRead(true);
    }

    private static boolean resumed(SslHandler ssl) {
        if (ssl.engine() instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine engine) {
            synchronized (engine) {
                long pointer = engine.sslPointer();
                return pointer != 0 && io.netty.internal.tcnative.SSL.isSessionReused(pointer);
            }
        }
        return false;
    }

    private static java.security.cert.X509Certificate[] peerChain(SSLSession session) {
        try {
            java.security.cert.Certificate[] certificates = session.getPeerCertificates();
            java.security.cert.X509Certificate[] chain = new java.security.cert.X509Certificate[certificates.length];
            for (int i = 0; i < certificates.length; i++) {
                chain[i] = (java.security.cert.X509Certificate) certificates[i];
            }
            return chain;
        } catch (javax.net.ssl.SSLPeerUnverifiedException | ClassCastException e) {
            return new java.security.cert.X509Certificate[0];
        }
    }

    /**
     * The resumed session's check, with reads paused: inline when it is pure CPU (no function, no
     * responder to wait for, native signatures), else where the handshake's own check would run.
     */
    private void checkResumed(ChannelHandlerContext ctx, ConnectionState state, String alpn,
                              java.security.cert.X509Certificate[] chain) {
        state.sessionResumed();
        ctx.channel().config().setAutoRead(false);
        EdgeDistribution distribution = state.distribution();
        ClientAuthenticator authenticator = distribution.authenticator();
        Runnable check = () -> {
            ClientCheck result;
            try {
                result = chain.length == 0 ? authenticator.withoutCertificate(state) : authenticator.authenticate(chain, state);
            } catch (Throwable e) {
                // Never let a resumed session off: a check that cannot finish refuses.
                result = ClientCheck.refused(new dev.portcullis.truststore.Rejection(FailureCode.Internal,
                        dev.portcullis.truststore.TlsAlert.INTERNAL_ERROR, "resumed-session check failed: " + e),
                        ClientAuthenticator.leafOf(chain), Optional.empty(), chain);
            }
            ClientCheck done = result;
            if (ctx.executor().inEventLoop()) {
                resumedChecked(ctx, state, alpn, done);
            } else {
                ctx.executor().execute(() -> resumedChecked(ctx, state, alpn, done));
            }
        };
        boolean offLoop = ViewerTlsContexts.checksOffLoop(distribution.function()) || authenticator.asksResponders();
        if (!offLoop) {
            check.run();
            return;
        }
        try {
            (authenticator.asksResponders() ? responderWaits : handshakeExecutor).execute(check);
        } catch (RejectedExecutionException e) {
            state.fail(FailureCode.Internal, "handshake executor full");
            record(state);
            ctx.close();
        }
    }

    private void resumedChecked(ChannelHandlerContext ctx, ConnectionState state, String alpn, ClientCheck check) {
        state.checked(check);
        state.adoptCheck();
        if (state.failure() == null && state.distribution().mode() == MtlsMode.REQUIRED && state.verifiedClient() == null) {
            state.fail(FailureCode.Internal, "resumed session without a verified client certificate");
        }
        if (state.failure() != null) {
            REFUSED.log(state.failure().name(), "resumed connection {} from {} refused: {} ({})", state.connectionId(),
                    state.client(), state.failure(), state.failureReason());
            record(state);
            ctx.close();
            return;
        }
        if (!ctx.channel().isActive()) {
            return;
        }
        open(ctx, state, alpn);
        ctx.channel().config().setAutoRead(true);
    }

    private void failed(ChannelHandlerContext ctx, ConnectionState state, Throwable cause) {
        if (state.failure() == null) {
            state.fail(HandshakeFailures.classify(cause), HandshakeFailures.describe(cause));
        }
        REFUSED.log(state.failure().name(), "connection {} from {} refused: {} ({})", state.connectionId(),
                state.client(), state.failure(), state.failureReason());
        record(state);
        ctx.close();
    }

    private void record(ConnectionState state) {
        if (state.markRecorded()) {
            observer.handshakeEnded(state);
        }
    }

    /**
     * Until the handshake is done this is the last handler: a handshake error also arrives here
     * after its completion event (already recorded); bytes that were not a ClientHello at all
     * (plain HTTP on the TLS port, garbage) arrive only here and get their one record now.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ConnectionState state = ctx.channel().attr(ConnectionState.KEY).get();
        if (state != null) {
            state.adoptCheck();
        }
        if (state != null && state.markRecorded()) {
            state.fail(state.distribution() == null ? FailureCode.UnmappedConnectionError : HandshakeFailures.classify(cause),
                    HandshakeFailures.describe(cause));
            LOG.debug("connection {} from {} failed before TLS: {}", state.connectionId(), state.client(), state.failureReason());
            observer.handshakeEnded(state);
        }
        ctx.close();
    }
}
