package dev.portcullis.functions;

import java.util.Objects;
import java.util.Optional;

/**
 * What one invocation of a connection function is told about the connection.
 *
 * @param connectionId      the id shared by the connection log and the access log
 * @param clientIp          the viewer's address
 * @param endpoint          the SNI host name; {@code null} when the client sent none
 * @param distributionId    the distribution the SNI selected
 * @param clientCertificate the verified client chain; empty in optional/passthrough modes without one
 */
public record ConnectionInput(String connectionId, String clientIp, String endpoint, String distributionId,
                              Optional<ClientCertificate> clientCertificate) {
    public ConnectionInput {
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(clientIp, "clientIp");
        Objects.requireNonNull(distributionId, "distributionId");
        clientCertificate = clientCertificate == null ? Optional.empty() : clientCertificate;
    }
}
