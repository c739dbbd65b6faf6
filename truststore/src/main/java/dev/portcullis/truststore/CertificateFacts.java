package dev.portcullis.truststore;

import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * The facts about one certificate that headers, the connection function and the logs show, each
 * already in its CloudFront format, computed once from the certificate's DER.
 *
 * @param serialNumber      DER bytes of the serial, lowercase hex, ':' between bytes, leading 00 kept
 * @param issuer            RFC 2253 DN exactly as {@code openssl x509 -nameopt RFC2253} prints it
 * @param subject           RFC 2253 DN, likewise
 * @param notBefore         start of validity
 * @param notAfter          end of validity
 * @param sha256Fingerprint SHA-256 of the DER, 64 lowercase hex
 * @param san               subjectAltName as {@code DNS:a,DNS:b,URI:spiffe://...,IP:1.2.3.4,email:x@y}, "" when absent
 * @param certificate       the certificate itself
 */
public record CertificateFacts(
        String serialNumber,
        String issuer,
        String subject,
        Instant notBefore,
        Instant notAfter,
        String sha256Fingerprint,
        String san,
        X509Certificate certificate) {

    /** A serial as facts show it: colon-separated lowercase hex of the DER integer, {@code 00:9e:2a:af:16}. */
    public static String serialOf(X509Certificate certificate) {
        return CertificateFactsParser.serialNumber(certificate);
    }

    /** Computes the facts of {@code certificate}. */
    public static CertificateFacts of(X509Certificate certificate) {
        return CertificateFactsParser.parse(certificate);
    }

    /** {@code NotBefore=2025-01-01T00:00:00Z;NotAfter=2026-01-01T00:00:00Z} (ISO-8601 UTC, seconds). */
    public String validity() {
        return "NotBefore=" + Iso.seconds(notBefore) + ";NotAfter=" + Iso.seconds(notAfter);
    }
}
