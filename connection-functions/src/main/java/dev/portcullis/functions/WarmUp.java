package dev.portcullis.functions;

import dev.portcullis.truststore.CertificateFacts;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Made-up connections for warming a new function up; documentation addresses and names only. */
final class WarmUp {
    private WarmUp() {
    }

    static ConnectionInput withCertificate() {
        CertificateFacts ca = facts("7f:00:00:01", "CN=Portcullis Warm-up Root", "CN=Portcullis Warm-up CA", "");
        CertificateFacts leaf = facts("01:02:03:04:05:06:07:08", "CN=Portcullis Warm-up CA", "CN=warm-up,O=Portcullis",
                "DNS:warm-up.invalid");
        return new ConnectionInput("warm-up", "192.0.2.1", "warm-up.invalid", "EWARMUP",
                Optional.of(new ClientCertificate(leaf, List.of(ca))));
    }

    static ConnectionInput withoutCertificate() {
        return new ConnectionInput("warm-up", "192.0.2.2", null, "EWARMUP", Optional.empty());
    }

    private static CertificateFacts facts(String serial, String issuer, String subject, String san) {
        return new CertificateFacts(serial, issuer, subject, Instant.parse("2025-01-01T00:00:00Z"),
                Instant.parse("2035-01-01T00:00:00Z"), "00".repeat(32), san, null);
    }
}
