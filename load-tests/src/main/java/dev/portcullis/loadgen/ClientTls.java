package dev.portcullis.loadgen;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds the one client SslContext a run uses: BoringSSL through netty-tcnative, ALPN for the chosen HTTP version. */
final class ClientTls {
    private ClientTls() {
    }

    /** @throws IllegalArgumentException naming the file when a certificate or key cannot be read */
    static SslContext context(LoadSpec spec) {
        if (!OpenSsl.isAvailable()) {
            throw new IllegalStateException("netty-tcnative BoringSSL is not available", OpenSsl.unavailabilityCause());
        }
        LoadSpec.TlsSettings tls = spec.tls();
        String alpn = spec.http2() ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1;
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProvider.OPENSSL)
                .protocols(tls.protocol())
                .applicationProtocolConfig(new ApplicationProtocolConfig(Protocol.ALPN,
                        SelectorFailureBehavior.NO_ADVERTISE, SelectedListenerFailureBehavior.ACCEPT, alpn));
        if (spec.http2()) {
            builder.ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
        }
        if (tls.insecure()) {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
        } else {
            Path ca = tls.caCertificates().orElseThrow();
            builder.trustManager(read(ca, "--cacert")).endpointIdentificationAlgorithm("HTTPS");
        }
        InputStream chain = null;
        if (tls.certificate().isPresent()) {
            chain = read(tls.certificate().get(), "--cert");
            if (tls.chain().isPresent()) {
                // The PEM blocks of --cert then --chain, one after the other: the chain to send, leaf first.
                chain = new SequenceInputStream(new SequenceInputStream(chain, new ByteArrayInputStream(new byte[] {'\n'})),
                        read(tls.chain().get(), "--chain"));
            }
        }
        SslContext context;
        try {
            if (chain != null) {
                builder.keyManager(chain, read(tls.key().orElseThrow(), "--key"));
            }
            context = builder.build();
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot use the client certificate, key or CA files ("
                    + tls.certificate().map(Path::toString).orElse("no --cert") + ", "
                    + tls.key().map(Path::toString).orElse("no --key") + ", "
                    + tls.caCertificates().map(Path::toString).orElse("no --cacert") + "): " + rootMessage(e)
                    + " (the key must be an unencrypted PEM that Netty reads, e.g. PKCS#8)", e);
        }
        if (!tls.resumption()) {
            // Measuring full handshakes: without a client cache the client never offers a session or ticket.
            ((OpenSslSessionContext) context.sessionContext()).setSessionCacheEnabled(false);
        }
        return context;
    }

    private static InputStream read(Path file, String flag) {
        try {
            return new ByteArrayInputStream(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(flag + " " + file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
