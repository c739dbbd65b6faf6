package dev.portcullis.functions;

import dev.portcullis.truststore.CertificateFacts;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Made-up connections and requests for warming a new function up; documentation addresses and names only. */
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

    static ViewerEvent viewerRequest() {
        return new ViewerEvent(ViewerEvent.EventType.VIEWER_REQUEST, "warm-up.invalid", "EWARMUP", "warm-up", "warm-up",
                "192.0.2.1", request(), null);
    }

    static ViewerEvent viewerResponse() {
        return new ViewerEvent(ViewerEvent.EventType.VIEWER_RESPONSE, "warm-up.invalid", "EWARMUP", "warm-up", "warm-up",
                "192.0.2.1", request(), new ViewerEvent.Response(200, "OK", List.of(
                        new ViewerEvent.Header("content-type", "text/plain"),
                        new ViewerEvent.Header("set-cookie", "warm=up; Path=/"))));
    }

    private static ViewerEvent.Request request() {
        return new ViewerEvent.Request("GET", "/warm-up/index.html", "a=1&b=2", List.of(
                new ViewerEvent.Header("host", "warm-up.invalid"),
                new ViewerEvent.Header("user-agent", "portcullis-warm-up"),
                new ViewerEvent.Header("accept", "*/*"),
                new ViewerEvent.Header("cookie", "session=warm; theme=up"),
                new ViewerEvent.Header("cloudfront-viewer-cert-present", "1"),
                new ViewerEvent.Header("cloudfront-viewer-cert-subject", "CN=warm-up,OU=admins,O=Portcullis"),
                new ViewerEvent.Header("cloudfront-viewer-cert-serial-number", "01:02:03:04")));
    }

    private static CertificateFacts facts(String serial, String issuer, String subject, String san) {
        return new CertificateFacts(serial, issuer, subject, Instant.parse("2025-01-01T00:00:00Z"),
                Instant.parse("2035-01-01T00:00:00Z"), "00".repeat(32), san, null);
    }
}
