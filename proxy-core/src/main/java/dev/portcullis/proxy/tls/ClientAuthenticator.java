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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import dev.portcullis.revocation.RevocationChecker;
import dev.portcullis.truststore.CertificateRevocation;
import dev.portcullis.truststore.RevocationStatus;

/**
 * Decides, during the handshake (on the handshake executor when a function may run, else inline on
 * the event loop), whether a presented client chain is let in, and renders the connection's certificate headers once when it is.
 * required/optional: the trust store's verdict; passthrough: no trust store, the origin gets the
 * chain as RFC 9440 headers (BoringSSL has already checked CertificateVerify, so the client holds the key).
 * A verified chain then gets its trust store's revocation checks (CRLs, OCSP): revoked is refused,
 * undetermined is refused unless a function may decide or the store allows it. Then the
 * distribution's connection function, if any, has the last word (seeing the revocation status);
 * headers are only kept for a client it allowed.
 */
final class ClientAuthenticator {
    private final MtlsMode mode;
    private final ClientCertVerifier verifier;
    private final Clock clock;
    private final Optional<FunctionGate> function;
    private final RevocationChecker revocation;
    private final Executor functionThreads;

    /**
     * @param revocation      the trust store's revocation checks (none in passthrough mode)
     * @param functionThreads where the function runs when the check waited for a responder on a
     *                        virtual thread (guest code is metered per platform thread)
     */
    ClientAuthenticator(MtlsMode mode, ClientCertVerifier verifier, RevocationChecker revocation,
                        Optional<FunctionGate> function, Executor functionThreads, Clock clock) {
        if (mode != MtlsMode.PASSTHROUGH && (verifier == null || revocation == null)) {
            // Never fail open: a verifying mode without a trust store is a programming error.
            throw new IllegalArgumentException("mode " + mode + " needs a trust store and its revocation checks");
        }
        this.mode = mode;
        this.verifier = verifier;
        this.revocation = revocation;
        this.clock = clock;
        this.function = function;
        this.functionThreads = functionThreads;
    }

    /** Starts the OCSP questions {@code chain} will need, without waiting (a re-check walk's head start). */
    void prefetchRevocation(X509Certificate[] chain) {
        if (!asksResponders()) {
            return;
        }
        if (verifier.verify(chain, clock.instant()) instanceof VerifiedClient client && client.path() != null) {
            revocation.prefetch(client.path());
        }
    }

    /** Whether a check may wait for an OCSP responder: it then runs on a virtual thread, never an event loop. */
    boolean asksResponders() {
        return revocation != null && revocation.asksResponders();
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
        Optional<RevocationStatus> status = Optional.empty();
        if (revocation.active()) {
            RevocationStatus checked = revocation.check(client.path(), !state.onEventLoop(), state.revocationDeadlineNanos(),
                    state.closed());
            status = Optional.of(checked);
            Optional<Rejection> refused = revocationVerdict(checked);
            if (refused.isPresent()) {
                return ClientCheck.refused(refused.get(), client.leaf(), Optional.empty(), chain);
            }
        }
        Optional<FunctionGate.Outcome> outcome = function.isEmpty() ? Optional.empty()
                : Optional.of(runFunction(state, Optional.of(ClientCertificate.of(client, status))));
        Optional<Rejection> refused = outcome.flatMap(FunctionGate.Outcome::rejection);
        return refused.isPresent() ? ClientCheck.refused(refused.get(), client.leaf(), outcome, chain)
                : ClientCheck.accepted(client, ViewerCertHeaders.verified(client), outcome, chain);
    }

    /**
     * Revoked refuses, whatever a function would say. Undetermined refuses when no function may
     * decide (no function, or a certificate that cannot be checked at all) unless the store's
     * {@code ocsp.undetermined} is allow and no function is there to ask; with a function, the
     * function sees the status and decides.
     */
    private Optional<Rejection> revocationVerdict(RevocationStatus status) {
        RevocationStatus.ChainValidity validity = status.chainValidity();
        if (validity == RevocationStatus.ChainValidity.Valid) {
            return Optional.empty();
        }
        CertificateRevocation deciding = status.deciding().orElseThrow();
        String which = "serial " + deciding.serialNumber() + " (" + deciding.method() + ")";
        if (validity == RevocationStatus.ChainValidity.Invalid) {
            return Optional.of(new Rejection(FailureCode.ClientCertRevoked, TlsAlert.CERTIFICATE_REVOKED,
                    which + " revoked: " + deciding.detail()));
        }
        boolean functionDecides = function.isPresent() && status.functionMayDecide();
        boolean allowed = function.isEmpty() && status.functionMayDecide()
                && revocation.undetermined() == dev.portcullis.config.OcspConfig.Undetermined.ALLOW;
        if (functionDecides || allowed) {
            return Optional.empty();
        }
        return Optional.of(new Rejection(FailureCode.ClientCertRevocationUnknown, TlsAlert.CERTIFICATE_UNKNOWN,
                which + " revocation status " + deciding.status() + " (" + deciding.errorType() + "): " + deciding.detail()));
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
        if (Thread.currentThread().isVirtual()) {
            // The check waited for a responder on a virtual thread; the guest's CPU and memory are
            // metered per platform thread, so the function itself runs on the function threads.
            try {
                return CompletableFuture.supplyAsync(() -> decide(state, certificate), functionThreads).join();
            } catch (RuntimeException e) {
                return new FunctionGate.Outcome(Optional.of(new Rejection(FailureCode.Internal, TlsAlert.INTERNAL_ERROR,
                        "connection function could not be scheduled: " + e)), "", "-", "error", java.time.Duration.ZERO);
            }
        }
        return decide(state, certificate);
    }

    private FunctionGate.Outcome decide(ConnectionState state, Optional<ClientCertificate> certificate) {
        return function.get().decide(state.connectionId(), state.clientIp(), state.sni(), state.distribution().id(),
                certificate);
    }
}
