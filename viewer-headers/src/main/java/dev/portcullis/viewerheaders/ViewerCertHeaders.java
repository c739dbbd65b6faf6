package dev.portcullis.viewerheaders;

import dev.portcullis.config.PercentEncoding;
import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.VerifiedClient;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * The request headers that tell the origin about the viewer's client certificate: CloudFront's
 * {@code CloudFront-Viewer-Cert-*} for verified connections, and RFC 9440 {@code Client-Cert} /
 * {@code Client-Cert-Chain} for passthrough mode. Values come from {@link CertificateFacts}, so
 * they contain only printable ASCII (DNs are escaped, the PEM is percent-encoded). The values do
 * not change during a connection: compute them once per connection, not per request.
 */
public final class ViewerCertHeaders {
    public static final String SERIAL_NUMBER = "CloudFront-Viewer-Cert-Serial-Number";
    public static final String ISSUER = "CloudFront-Viewer-Cert-Issuer";
    public static final String SUBJECT = "CloudFront-Viewer-Cert-Subject";
    public static final String VALIDITY = "CloudFront-Viewer-Cert-Validity";
    public static final String PEM = "CloudFront-Viewer-Cert-Pem";
    public static final String PRESENT = "CloudFront-Viewer-Cert-Present";
    public static final String SHA256 = "CloudFront-Viewer-Cert-Sha256";
    public static final String CLIENT_CERT = "Client-Cert";
    public static final String CLIENT_CERT_CHAIN = "Client-Cert-Chain";

    private static final String RESERVED_PREFIX = "cloudfront-viewer-cert-";
    private static final List<ViewerHeader> ABSENT = List.of(new ViewerHeader(PRESENT, "0"));

    private ViewerCertHeaders() {
    }

    /** The seven headers of a verified connection, in CloudFront's order. */
    public static List<ViewerHeader> verified(VerifiedClient client) {
        CertificateFacts leaf = client.leaf();
        return List.of(
                new ViewerHeader(SERIAL_NUMBER, leaf.serialNumber()),
                new ViewerHeader(ISSUER, leaf.issuer()),
                new ViewerHeader(SUBJECT, leaf.subject()),
                new ViewerHeader(VALIDITY, leaf.validity()),
                new ViewerHeader(PEM, percentEncode(pem(leaf.certificate()))),
                new ViewerHeader(PRESENT, "1"),
                new ViewerHeader(SHA256, leaf.sha256Fingerprint()));
    }

    /** A connection without a client certificate (optional mode): only {@code CloudFront-Viewer-Cert-Present: 0}. */
    public static List<ViewerHeader> absent() {
        return ABSENT;
    }

    /**
     * RFC 9440 for passthrough mode: {@code Client-Cert: :<base64 DER of the leaf>:} and, when the
     * client sent more, {@code Client-Cert-Chain: :<b64>:, :<b64>:} (the rest, in the order sent).
     * Empty for an empty chain.
     */
    public static List<ViewerHeader> passthrough(List<X509Certificate> chain) {
        if (chain.isEmpty()) {
            return List.of();
        }
        ViewerHeader leaf = new ViewerHeader(CLIENT_CERT, byteSequence(chain.getFirst()));
        if (chain.size() == 1) {
            return List.of(leaf);
        }
        StringBuilder rest = new StringBuilder();
        for (int i = 1; i < chain.size(); i++) {
            if (i > 1) {
                rest.append(", ");
            }
            rest.append(byteSequence(chain.get(i)));
        }
        return List.of(leaf, new ViewerHeader(CLIENT_CERT_CHAIN, rest.toString()));
    }

    /**
     * Whether a client must never be able to send {@code headerName} (ASCII case-insensitive, as
     * HTTP header names are): every {@code CloudFront-Viewer-Cert-*}, {@code Client-Cert} and
     * {@code Client-Cert-Chain}. The proxy removes these from every request before adding its own.
     */
    public static boolean isReserved(CharSequence headerName) {
        int length = headerName.length();
        if (length > RESERVED_PREFIX.length() && startsWithIgnoreCase(headerName, RESERVED_PREFIX)) {
            return true;
        }
        return length == CLIENT_CERT.length() && startsWithIgnoreCase(headerName, "client-cert")
                || length == CLIENT_CERT_CHAIN.length() && startsWithIgnoreCase(headerName, "client-cert-chain");
    }

    /** The certificate as PEM: 64-character base64 lines, '\n' line ends, a final '\n'. */
    static String pem(X509Certificate certificate) {
        String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der(certificate));
        return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
    }

    /**
     * Percent-encodes every byte except RFC 3986 unreserved characters and {@code + / =} (which
     * base64 needs and CloudFront leaves alone), so a space is {@code %20} and a newline {@code %0A}.
     */
    static String percentEncode(String text) {
        return PercentEncoding.encode(text, PercentEncoding.UNRESERVED_AND_BASE64);
    }

    /** An RFC 8941 byte sequence: ':' standard base64 with padding ':'. */
    private static String byteSequence(X509Certificate certificate) {
        return ":" + Base64.getEncoder().encodeToString(der(certificate)) + ":";
    }

    static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            // a certificate that came through a TLS handshake always has its DER
            throw new IllegalStateException("certificate without a DER encoding", e);
        }
    }

    /** Whether {@code s} starts with {@code lowerPrefix}, folding only ASCII letters; no allocation. */
    private static boolean startsWithIgnoreCase(CharSequence s, String lowerPrefix) {
        for (int i = 0; i < lowerPrefix.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != lowerPrefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
