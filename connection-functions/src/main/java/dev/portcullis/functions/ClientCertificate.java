package dev.portcullis.functions;

import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.RevocationStatus;
import dev.portcullis.truststore.VerifiedClient;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The client chain a connection function sees as {@code connection.clientCertificate}.
 *
 * @param leaf          the client's own certificate
 * @param intermediates the CA certificates the client sent after its leaf, in order; may be empty
 * @param revocation    {@code revocationStatus}, when the trust store checks revocation
 */
public record ClientCertificate(CertificateFacts leaf, List<CertificateFacts> intermediates,
                                Optional<RevocationStatus> revocation) {
    public ClientCertificate {
        Objects.requireNonNull(leaf, "leaf");
        intermediates = List.copyOf(intermediates);
        revocation = revocation == null ? Optional.empty() : revocation;
    }

    public ClientCertificate(CertificateFacts leaf, List<CertificateFacts> intermediates) {
        this(leaf, intermediates, Optional.empty());
    }

    /** The chain of a client that passed the trust store check. */
    public static ClientCertificate of(VerifiedClient client) {
        return of(client, Optional.empty());
    }

    /** The chain of a client that passed the trust store check, with what its revocation check found. */
    public static ClientCertificate of(VerifiedClient client, Optional<RevocationStatus> revocation) {
        return new ClientCertificate(client.leaf(), client.intermediates(), revocation);
    }
}
