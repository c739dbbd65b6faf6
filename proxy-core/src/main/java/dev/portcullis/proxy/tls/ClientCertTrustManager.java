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
        ClientCheck check;
        try {
            check = authenticator.authenticate(chain, state);
        } catch (RuntimeException e) {
            check = ClientCheck.refused(new Rejection(FailureCode.Internal, dev.portcullis.truststore.TlsAlert.INTERNAL_ERROR,
                    e.toString()), ClientAuthenticator.leafOf(chain), Optional.empty(), chain);
        }
        state.checked(check); // the one hand-over to the event loop
        if (check.rejection().isPresent()) {
            Rejection r = check.rejection().get();
            throw new OpenSslCertificateException(r.code() + ": " + r.reason(), TlsAlerts.verifyErrorFor(r.alert()));
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
