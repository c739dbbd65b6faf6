package dev.portcullis.proxy.tls;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSL;
import javax.net.ssl.SSLEngine;

/**
 * Turns off session tickets on a viewer engine (the session cache is always off on the context): on
 * every engine of a distribution without {@code sessionResumption}, and on one whose client does not
 * offer TLS 1.3. BoringSSL does not call the certificate verifier for a resumed session, so a
 * resumption is only allowed where TlsOutcomeHandler checks it again (trust store, revocation,
 * function) before the connection serves; CloudFront does not resume on mTLS distributions at all.
 * As a second line, TlsOutcomeHandler closes any required-mode connection that finished without a
 * verified client.
 */
final class NoResumption {
    private NoResumption() {
    }

    static void apply(SSLEngine engine) {
        if (engine instanceof ReferenceCountedOpenSslEngine openSsl) {
            synchronized (openSsl) {
                SSL.setOptions(openSsl.sslPointer(), SSL.SSL_OP_NO_TICKET);
            }
        }
    }
}
