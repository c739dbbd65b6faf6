package dev.portcullis.proxy.tls;

import dev.portcullis.config.MtlsMode;
import dev.portcullis.truststore.ClientCertVerifier;
import dev.portcullis.truststore.Rejection;
import dev.portcullis.truststore.Verification;
import dev.portcullis.truststore.VerifiedClient;
import dev.portcullis.viewerheaders.ViewerCertHeaders;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;

/**
 * Decides, during the handshake and on the handshake executor, whether a presented client chain is
 * let in, and renders the connection's certificate headers once when it is.
 * required/optional: the trust store's verdict; passthrough: no trust store, the origin gets the
 * chain as RFC 9440 headers (BoringSSL has already checked CertificateVerify, so the client holds the key).
 */
final class ClientAuthenticator {
    private final MtlsMode mode;
    private final ClientCertVerifier verifier;
    private final Clock clock;

    ClientAuthenticator(MtlsMode mode, ClientCertVerifier verifier, Clock clock) {
        if (mode != MtlsMode.PASSTHROUGH && verifier == null) {
            // Never fail open: a verifying mode without a trust store is a programming error.
            throw new IllegalArgumentException("mode " + mode + " needs a trust store");
        }
        this.mode = mode;
        this.verifier = verifier;
        this.clock = clock;
    }

    Optional<Rejection> authenticate(X509Certificate[] chain, ConnectionState state) {
        if (mode == MtlsMode.PASSTHROUGH) {
            state.certificateHeaders(ViewerCertHeaders.passthrough(Arrays.asList(chain)));
            return Optional.empty();
        }
        Verification verification = verifier.verify(chain, clock.instant());
        if (verification instanceof Rejection rejection) {
            return Optional.of(rejection);
        }
        VerifiedClient client = (VerifiedClient) verification;
        state.accept(client, ViewerCertHeaders.verified(client));
        return Optional.empty();
    }
}
