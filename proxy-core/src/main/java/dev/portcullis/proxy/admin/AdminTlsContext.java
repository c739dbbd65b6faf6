package dev.portcullis.proxy.admin;

import dev.portcullis.config.AdminTls;
import dev.portcullis.proxy.StartupException;
import dev.portcullis.proxy.tls.PemKeys;
import dev.portcullis.truststore.CertificateFileException;
import dev.portcullis.truststore.PemCertificates;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The admin listener's TLS ({@code server.adminTls}): BoringSSL, TLS 1.2 and 1.3, a client
 * certificate required and checked against {@code clientCaBundle}. The admin API writes
 * revocations, so off loopback nobody reaches it without a certificate.
 */
final class AdminTlsContext {
    private AdminTlsContext() {
    }

    static SslContext build(AdminTls tls) throws StartupException {
        String where = "server.adminTls";
        List<X509Certificate> chain;
        List<X509Certificate> clientCas;
        try {
            chain = PemCertificates.read(tls.certificate());
        } catch (CertificateFileException e) {
            throw new StartupException(where + ".certificate: " + e.getMessage());
        }
        try {
            clientCas = PemCertificates.read(tls.clientCaBundle());
        } catch (CertificateFileException e) {
            throw new StartupException(where + ".clientCaBundle: " + e.getMessage());
        }
        PrivateKey key = PemKeys.read(tls.privateKey(), where + ".privateKey");
        if (!PemKeys.matches(key, chain.get(0).getPublicKey())) {
            throw new StartupException(where + ".privateKey: " + tls.privateKey() + " does not match " + tls.certificate());
        }
        try {
            return SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new))
                    .sslProvider(SslProvider.OPENSSL)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .trustManager(clientCas.toArray(X509Certificate[]::new))
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            throw new StartupException(where + ": cannot build the admin TLS context: " + e.getMessage(), e);
        }
    }
}
