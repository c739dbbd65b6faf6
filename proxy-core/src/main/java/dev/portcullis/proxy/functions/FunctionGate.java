package dev.portcullis.proxy.functions;

import dev.portcullis.functions.ClientCertificate;
import dev.portcullis.functions.ConnectionDecision;
import dev.portcullis.functions.ConnectionFunction;
import dev.portcullis.functions.ConnectionInput;
import dev.portcullis.truststore.FailureCode;
import dev.portcullis.truststore.Rejection;
import dev.portcullis.truststore.TlsAlert;
import java.util.Optional;

/**
 * Runs a distribution's connection function for one connection (on the handshake executor) and
 * turns its decision into nothing (allowed) or a rejection: deny and "no decision" are
 * ConnectionFunctionDenied, a throw, timeout or sandbox violation is ConnectionFunctionError.
 */
public final class FunctionGate {
    private final ConnectionFunction function;

    public FunctionGate(ConnectionFunction function) {
        this.function = function;
    }

    /** The decision as the handshake needs it, plus what metrics need: function name, outcome, run time. */
    public record Outcome(Optional<Rejection> rejection, String customData, String function, String decision,
                          java.time.Duration elapsed) {
    }

    public Outcome decide(String connectionId, String clientIp, String sni, String distributionId,
                          Optional<ClientCertificate> certificate) {
        ConnectionDecision decision = function.invoke(new ConnectionInput(connectionId, clientIp, sni, distributionId, certificate));
        String reason = "connection function " + function.name()
                + (decision.error().isEmpty() ? "" : ": " + decision.error());
        Optional<Rejection> rejection = switch (decision.outcome()) {
            case ALLOW -> Optional.empty();
            case DENY -> Optional.of(new Rejection(FailureCode.ConnectionFunctionDenied, TlsAlert.ACCESS_DENIED, reason + " denied"));
            case ERROR -> Optional.of(new Rejection(FailureCode.ConnectionFunctionError, TlsAlert.ACCESS_DENIED, reason));
        };
        return new Outcome(rejection, decision.customData(), function.name(),
                decision.outcome().name().toLowerCase(java.util.Locale.ROOT), decision.elapsed());
    }
}
