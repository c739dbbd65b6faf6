package dev.portcullis.proxy.tls;

import dev.portcullis.truststore.FailureCode;
import dev.portcullis.truststore.Rejection;
import io.netty.handler.ssl.OpenSslCertificateException;
import io.netty.internal.tcnative.CertificateVerifier;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust manager BoringSSL consults for a client's chain. With netty-tcnative's delegated tasks
 * (distributions with a connection function, or without native signatures) it runs on the handshake
 * executor; otherwise inline on the event loop (see ViewerTlsContexts.checksOffLoop). A refusal throws an
 * {@link OpenSslCertificateException} whose verify error makes BoringSSL send the matching alert;
 * the precise failure code is recorded on the connection first, for the logs.
 */
final class ClientCertTrustManager extends X509ExtendedTrustManager {
    private static final X509Certificate[] NONE = new X509Certificate[0];

    private final EngineBindings bindings;
    private final ClientAuthenticator authenticator;
    private final X509Certificate[] advertisedIssuers;

    /** @param advertisedIssuers CA names sent in the CertificateRequest; empty sends none */
    ClientCertTrustManager(EngineBindings bindings, ClientAuthenticator authenticator, X509Certificate[] advertisedIssuers) {
        this.bindings = bindings;
        this.authenticator = authenticator;
        this.advertisedIssuers = advertisedIssuers.clone();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        ConnectionState state = bindings.get(engine);
        if (state == null) {
            throw new OpenSslCertificateException("connection state missing", CertificateVerifier.X509_V_ERR_UNSPECIFIED);
        }
        Optional<Rejection> rejection;
        try {
            rejection = authenticator.authenticate(chain, state);
        } catch (RuntimeException e) {
            state.fail(FailureCode.Internal, e.toString());
            throw new OpenSslCertificateException("internal error", CertificateVerifier.X509_V_ERR_UNSPECIFIED);
        }
        if (rejection.isPresent()) {
            Rejection r = rejection.get();
            recordPresentedLeaf(state, chain);
            state.fail(r.code(), r.reason());
            throw new OpenSslCertificateException(r.code() + ": " + r.reason(), TlsAlerts.verifyErrorFor(r.alert()));
        }
    }

    /** Who was refused matters to operators: keep the refused leaf's facts for the connection log. */
    private static void recordPresentedLeaf(ConnectionState state, X509Certificate[] chain) {
        if (chain.length > 0) {
            try {
                state.presentedLeaf(dev.portcullis.truststore.CertificateFacts.of(chain[0]));
            } catch (RuntimeException e) {
                // a certificate too broken to describe: the failure code says enough
            }
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return advertisedIssuers.length == 0 ? NONE : advertisedIssuers.clone();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("only SSLEngine-based handshakes are supported");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("only SSLEngine-based handshakes are supported");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a viewer trust manager never checks servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a viewer trust manager never checks servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a viewer trust manager never checks servers");
    }
}
