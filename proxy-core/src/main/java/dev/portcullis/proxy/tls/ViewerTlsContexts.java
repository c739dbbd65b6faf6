package dev.portcullis.proxy.tls;

import dev.portcullis.config.Distribution;
import dev.portcullis.config.MtlsMode;
import dev.portcullis.config.TrustStoreAssociation;
import dev.portcullis.proxy.StartupException;
import dev.portcullis.truststore.ClientCertVerifier;
import dev.portcullis.truststore.PemCertificates;
import dev.portcullis.truststore.CertificateFileException;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import dev.portcullis.revocation.RevocationChecker;
import dev.portcullis.proxy.functions.FunctionGate;

/**
 * Builds a distribution's viewer-facing SslContext once: BoringSSL, TLS 1.2 and 1.3 only, ALPN h2
 * then http/1.1, the client-certificate trust manager of its mode, and no session resumption unless
 * the distribution asks for it.
 *
 * <p>Why none by default: BoringSSL does not call the certificate verifier again for a resumed
 * session, so a resumed session would skip the trust store check, revocation and the connection
 * function (the class of bug behind resumption CVEs in several servers). CloudFront does not
 * resume on mTLS distributions either. The stateful cache is always off. With
 * {@code sessionResumption}, the context gets the node's ticket keys ({@link SessionTickets}); tickets
 * go only to TLS 1.3 clients (see {@link NoResumption}), and every resumed connection is checked again
 * before it serves (TlsOutcomeHandler). BoringSSL never renegotiates as a server.
 */
public final class ViewerTlsContexts {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("portcullis");
    /** CloudFront's limit on a client chain is 25 certificates within a 64 KB bundle; cap what a client may send. */
    private static final int MAX_CLIENT_CHAIN_BYTES = 64 * 1024;

    private ViewerTlsContexts() {
    }

    /** A distribution's TLS context and the authenticator its trust manager asks (re-checks ask it too). */
    record ViewerTls(SslContext context, ClientAuthenticator authenticator) {
    }

    static ViewerTls build(Distribution distribution, TrustStoreVerifiers trustStores, EngineBindings bindings,
                           Optional<FunctionGate> function, Executor functionThreads, SessionTickets tickets)
            throws StartupException {
        OpenSsl.ensureAvailability();
        String where = "distribution " + distribution.id() + ": viewerCertificate";
        List<X509Certificate> chain;
        try {
            chain = PemCertificates.read(distribution.viewerCertificate().certificate());
        } catch (CertificateFileException e) {
            throw new StartupException(where + ".certificate: " + e.getMessage());
        }
        PrivateKey key = PemKeys.read(distribution.viewerCertificate().privateKey(), where + ".privateKey");
        if (!PemKeys.matches(key, chain.get(0).getPublicKey())) {
            throw new StartupException(where + ".privateKey: " + distribution.viewerCertificate().privateKey()
                    + " does not match the certificate in " + distribution.viewerCertificate().certificate());
        }
        if (chain.get(0).getBasicConstraints() >= 0) {
            // Serving with a CA certificate works, but anyone holding its key can mint certificates
            // for any name: almost always the wrong file (the bundle's root instead of the leaf).
            LOG.warn("{}.certificate: {} is a CA certificate (basicConstraints CA:TRUE); serve a leaf certificate"
                    + " issued for the distribution's names instead", where, distribution.viewerCertificate().certificate());
        }

        MtlsMode mode = distribution.viewerMtlsConfig().mode();
        ClientCertVerifier verifier = null;
        RevocationChecker revocation = null;
        X509Certificate[] advertised = new X509Certificate[0];
        if (mode != MtlsMode.PASSTHROUGH) {
            TrustStoreAssociation association = distribution.viewerMtlsConfig().trustStoreConfig()
                    .orElseThrow(() -> new StartupException("distribution " + distribution.id()
                            + ": viewerMtlsConfig.trustStoreConfig is required in mode " + mode.name().toLowerCase()));
            verifier = trustStores.verifierFor(association);
            if (verifier == null) {
                throw new StartupException("distribution " + distribution.id()
                        + ": unknown trustStoreId '" + association.trustStoreId() + "'");
            }
            revocation = trustStores.revocation(association.trustStoreId());
            if (association.advertiseTrustStoreCaNames()) {
                advertised = trustStores.store(association.trustStoreId()).acceptedIssuers();
            }
        }
        if (function.isPresent() && revocation != null && revocation.active()
                && revocation.undetermined() == dev.portcullis.config.OcspConfig.Undetermined.DENY) {
            LOG.warn("distribution {}: its connection function decides undetermined revocation results of trust store {}"
                    + " (ocsp.undetermined: deny applies only to distributions without one); a function that allows"
                    + " by default should read connection.clientCertificate.revocationStatus", distribution.id(),
                    revocation.trustStoreId());
        }
        ClientAuthenticator authenticator = new ClientAuthenticator(mode, verifier, revocation, function, functionThreads,
                Clock.systemUTC());
        ClientCertTrustManager trustManager = new ClientCertTrustManager(bindings, authenticator, advertised);

        try {
            SslContext context = SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                    .sslProvider(SslProvider.OPENSSL)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .clientAuth(mode == MtlsMode.REQUIRED ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
                    .trustManager(trustManager)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .option(OpenSslContextOption.USE_TASKS, checksOffLoop(function) || authenticator.asksResponders())
                    .option(OpenSslContextOption.MAX_CERTIFICATE_LIST_BYTES, MAX_CLIENT_CHAIN_BYTES)
                    .build();
            ((OpenSslSessionContext) context.sessionContext()).setSessionCacheEnabled(false);
            if (distribution.viewerMtlsConfig().sessionResumption()) {
                tickets.install(context, distribution.id());
            }
            return new ViewerTls(context, authenticator);
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            throw new StartupException("distribution " + distribution.id() + ": cannot build TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * Whether BoringSSL hands the certificate check to the handshake executor. Connection functions
     * may take milliseconds, and chain signatures checked by the JDK's own providers cost ~700 µs
     * cold: both run off the event loop. With native signatures (ACCP) and no function the check is
     * CPU work cheaper than the handshake's own crypto on the same loop (~116 µs cold, ~0.35 µs on a
     * validation-cache hit), so it runs inline and spares two thread hand-offs per handshake. A
     * store with OCSP always checks off the loop (on a virtual thread: EdgeServer's RESPONDER_WAITS),
     * since a check may wait for a responder; CRL lookups are hash lookups and stay inline.
     */
    static boolean checksOffLoop(Optional<FunctionGate> function) {
        return function.isPresent() || !NativeCrypto.isNative();
    }
}
