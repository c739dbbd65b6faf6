package dev.portcullis.proxy.tls;

import dev.portcullis.proxy.functions.FunctionGate;
import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.Rejection;
import dev.portcullis.truststore.VerifiedClient;
import dev.portcullis.viewerheaders.ViewerHeader;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * What checking one presented chain decided, made whole by the trust manager (on the handshake
 * executor, or inline) and handed to the connection in one write; the event loop adopts it
 * ({@link ConnectionState#adoptCheck()}) and stays the only writer of the connection's state, so a
 * handshake timeout racing a slow function can never mix one thread's failure code with the
 * other's reason (Zuul's SslHandshakeInfo, built once, is the model).
 *
 * @param client        the verified client, or null (refused, or passthrough)
 * @param headers       the certificate headers every request of the connection gets (empty if refused)
 * @param rejection     why the chain was refused, if it was
 * @param presentedLeaf the leaf of a refused chain, for the connection log, or null
 * @param function      what the connection function decided, if one ran
 * @param presented     the chain as the client sent it: what a re-check of the connection verifies again
 */
public record ClientCheck(VerifiedClient client, List<ViewerHeader> headers, Optional<Rejection> rejection,
                          CertificateFacts presentedLeaf, Optional<FunctionGate.Outcome> function,
                          List<X509Certificate> presented) {

    public ClientCheck {
        headers = List.copyOf(headers);
        presented = List.copyOf(presented);
    }

    static ClientCheck accepted(VerifiedClient client, List<ViewerHeader> headers, Optional<FunctionGate.Outcome> function,
                                X509Certificate[] presented) {
        return new ClientCheck(client, headers, Optional.empty(), null, function, List.of(presented));
    }

    static ClientCheck refused(Rejection rejection, CertificateFacts presentedLeaf, Optional<FunctionGate.Outcome> function,
                               X509Certificate[] presented) {
        return new ClientCheck(null, List.of(), Optional.of(rejection), presentedLeaf, function, List.of(presented));
    }
}
