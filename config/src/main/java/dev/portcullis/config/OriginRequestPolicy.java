package dev.portcullis.config;

import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Which viewer-certificate headers a distribution sends to its origin.
 *
 * @param headers       header names to forward, in their canonical spelling
 * @param defaultPolicy true when the configuration gave no policy and {@link #defaultFor} applied
 */
public record OriginRequestPolicy(List<String> headers, boolean defaultPolicy) {
    /** Every {@code CloudFront-Viewer-Cert-*} header the edge adds. */
    public static final List<String> VIEWER_CERT_HEADERS = List.of(
            "CloudFront-Viewer-Cert-Serial-Number",
            "CloudFront-Viewer-Cert-Issuer",
            "CloudFront-Viewer-Cert-Subject",
            "CloudFront-Viewer-Cert-Validity",
            "CloudFront-Viewer-Cert-Pem",
            "CloudFront-Viewer-Cert-Present",
            "CloudFront-Viewer-Cert-Sha256");
    /** The RFC 9440 headers carrying the certificate in passthrough mode. */
    public static final List<String> PASSTHROUGH_HEADERS = List.of("Client-Cert", "Client-Cert-Chain");

    public OriginRequestPolicy {
        headers = List.copyOf(headers);
    }

    /** All viewer-certificate headers, and in passthrough mode the {@code Client-Cert*} headers too. */
    public static OriginRequestPolicy defaultFor(MtlsMode mode) {
        List<String> headers = mode == MtlsMode.PASSTHROUGH
                ? Stream.concat(VIEWER_CERT_HEADERS.stream(), PASSTHROUGH_HEADERS.stream()).toList()
                : VIEWER_CERT_HEADERS;
        return new OriginRequestPolicy(headers, true);
    }

    /** Whether the header goes to the origin; header names compare without case. */
    public boolean forwards(String headerName) {
        String lower = headerName.toLowerCase(Locale.ROOT);
        return headers.stream().anyMatch(h -> h.toLowerCase(Locale.ROOT).equals(lower));
    }
}
