package dev.portcullis.functions;

import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.VerifiedClient;
import java.util.List;
import java.util.Objects;

/**
 * The client chain a connection function sees as {@code connection.clientCertificate.certificates}.
 *
 * @param leaf          the client's own certificate
 * @param intermediates the CA certificates the client sent after its leaf, in order; may be empty
 */
public record ClientCertificate(CertificateFacts leaf, List<CertificateFacts> intermediates) {
    public ClientCertificate {
        Objects.requireNonNull(leaf, "leaf");
        intermediates = List.copyOf(intermediates);
    }

    /** The chain of a client that passed the trust store check. */
    public static ClientCertificate of(VerifiedClient client) {
        return new ClientCertificate(client.leaf(), client.intermediates());
    }
}
