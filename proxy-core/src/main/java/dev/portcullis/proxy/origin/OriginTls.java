package dev.portcullis.proxy.origin;

import dev.portcullis.config.Origin;
import dev.portcullis.proxy.StartupException;
import dev.portcullis.truststore.PemCertificates;
import dev.portcullis.truststore.CertificateFileException;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.security.cert.X509Certificate;

/** Client TLS for https origins: BoringSSL, server certificate verified (configured CA or the JDK's), ALPN h2 then http/1.1. */
public final class OriginTls {
    private OriginTls() {
    }

    public static SslContext forOrigin(Origin origin, String where) throws StartupException {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.OPENSSL)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .endpointIdentificationAlgorithm("HTTPS")
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
            if (origin.trustedCaCertificates().isPresent()) {
                builder.trustManager(PemCertificates.read(origin.trustedCaCertificates().get()).toArray(X509Certificate[]::new));
            }
            return builder.build();
        } catch (CertificateFileException e) {
            throw new StartupException(where + ".trustedCaCertificates: " + e.getMessage());
        } catch (javax.net.ssl.SSLException | RuntimeException e) {
            throw new StartupException(where + ": cannot build origin TLS context: " + e.getMessage(), e);
        }
    }
}
