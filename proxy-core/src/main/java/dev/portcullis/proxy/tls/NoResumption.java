package dev.portcullis.proxy.tls;

import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.internal.tcnative.SSL;
import javax.net.ssl.SSLEngine;

/**
 * Turns off session tickets on each viewer engine (the session cache is already off on the
 * context). BoringSSL does not call the certificate verifier for a resumed session, so resumption
 * would skip the trust store, revocation and the connection function; CloudFront does not resume
 * on mTLS distributions either. As a second line, TlsOutcomeHandler closes any required-mode
 * connection that finished without a verified client.
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
