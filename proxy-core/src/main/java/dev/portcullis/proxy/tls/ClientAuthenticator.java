package dev.portcullis.proxy.tls;

import dev.portcullis.config.MtlsMode;
import dev.portcullis.functions.ClientCertificate;
import dev.portcullis.proxy.functions.FunctionGate;
import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.ClientCertVerifier;
import dev.portcullis.truststore.FailureCode;
import dev.portcullis.truststore.Rejection;
import dev.portcullis.truststore.TlsAlert;
import dev.portcullis.truststore.Verification;
import dev.portcullis.truststore.VerifiedClient;
import dev.portcullis.viewerheaders.ViewerCertHeaders;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;

/**
 * Decides, during the handshake (on the handshake executor when a function may run, else inline on
 * the event loop), whether a presented client chain is let in, and renders the connection's certificate headers once when it is.
 * required/optional: the trust store's verdict; passthrough: no trust store, the origin gets the
 * chain as RFC 9440 headers (BoringSSL has already checked CertificateVerify, so the client holds the key).
 * Then the distribution's connection function, if any, has the last word; headers are only kept for
 * a client it allowed.
 */
final class ClientAuthenticator {
    private final MtlsMode mode;
    private final ClientCertVerifier verifier;
    private final Clock clock;
    private final Optional<FunctionGate> function;

    ClientAuthenticator(MtlsMode mode, ClientCertVerifier verifier, Optional<FunctionGate> function, Clock clock) {
        if (mode != MtlsMode.PASSTHROUGH && verifier == null) {
            // Never fail open: a verifying mode without a trust store is a programming error.
            throw new IllegalArgumentException("mode " + mode + " needs a trust store");
        }
        this.mode = mode;
        this.verifier = verifier;
        this.clock = clock;
        this.function = function;
    }

    /** The verdict on {@code chain}, whole; nothing of the connection's state is written here. */
    ClientCheck authenticate(X509Certificate[] chain, ConnectionState state) {
        if (mode == MtlsMode.PASSTHROUGH) {
            Optional<FunctionGate.Outcome> outcome = function.isEmpty() ? Optional.empty()
                    : Optional.of(runFunction(state, Optional.of(unverified(chain))));
            Optional<Rejection> refused = outcome.flatMap(FunctionGate.Outcome::rejection);
            return refused.isPresent() ? ClientCheck.refused(refused.get(), leafOf(chain), outcome, chain)
                    : ClientCheck.accepted(null, ViewerCertHeaders.passthrough(Arrays.asList(chain)), outcome, chain);
        }
        Verification verification = verifier.verify(chain, clock.instant());
        if (verification instanceof Rejection rejection) {
            return ClientCheck.refused(rejection, leafOf(chain), Optional.empty(), chain);
        }
        VerifiedClient client = (VerifiedClient) verification;
        Optional<FunctionGate.Outcome> outcome = function.isEmpty() ? Optional.empty()
                : Optional.of(runFunction(state, Optional.of(ClientCertificate.of(client))));
        Optional<Rejection> refused = outcome.flatMap(FunctionGate.Outcome::rejection);
        return refused.isPresent() ? ClientCheck.refused(refused.get(), client.leaf(), outcome, chain)
                : ClientCheck.accepted(client, ViewerCertHeaders.verified(client), outcome, chain);
    }

    /**
     * The verdict on a connection that presented no certificate (optional and passthrough modes),
     * for a re-check: the function decides, as it did right after the handshake; required mode never
     * lets such a connection in.
     */
    ClientCheck withoutCertificate(ConnectionState state) {
        X509Certificate[] none = new X509Certificate[0];
        if (mode == MtlsMode.REQUIRED) {
            return ClientCheck.refused(new Rejection(FailureCode.ClientCertMissing, TlsAlert.CERTIFICATE_REQUIRED,
                    "no client certificate"), null, Optional.empty(), none);
        }
        if (function.isEmpty()) {
            return ClientCheck.accepted(null, java.util.List.of(), Optional.empty(), none);
        }
        FunctionGate.Outcome outcome = runFunction(state, Optional.empty());
        return outcome.rejection().isPresent() ? ClientCheck.refused(outcome.rejection().get(), null, Optional.of(outcome), none)
                : ClientCheck.accepted(null, java.util.List.of(), Optional.of(outcome), none);
    }

    /** Who was refused matters to operators: the refused leaf's facts, or null for one too broken to describe. */
    static CertificateFacts leafOf(X509Certificate[] chain) {
        if (chain.length == 0) {
            return null;
        }
        try {
            return CertificateFacts.of(chain[0]);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Passthrough: the presented chain as the function sees it, not validated against any trust store. */
    private static ClientCertificate unverified(X509Certificate[] chain) {
        java.util.List<CertificateFacts> rest = new java.util.ArrayList<>();
        for (int i = 1; i < chain.length; i++) {
            rest.add(CertificateFacts.of(chain[i]));
        }
        return new ClientCertificate(CertificateFacts.of(chain[0]), rest);
    }

    /** Runs the distribution's connection function (off the event loop, never on it: see DelegatedTaskRouter). */
    FunctionGate.Outcome runFunction(ConnectionState state, Optional<ClientCertificate> certificate) {
        if (state.onEventLoop()) {
            // Never block an event loop on guest code; see DelegatedTaskRouter for why this cannot happen.
            return new FunctionGate.Outcome(Optional.of(new Rejection(FailureCode.Internal, TlsAlert.INTERNAL_ERROR,
                    "connection function called on an event loop")), "", "-", "error", java.time.Duration.ZERO);
        }
        return function.get().decide(state.connectionId(), state.clientIp(), state.sni(), state.distribution().id(),
                certificate);
    }
}
