package dev.portcullis.truststore;

import java.security.cert.X509Certificate;

/** Stub: to be implemented (serial, RFC 2253 names, fingerprint, SAN). */
final class CertificateFactsParser {
    private CertificateFactsParser() {
    }

    static CertificateFacts parse(X509Certificate certificate) {
        throw new UnsupportedOperationException("not yet implemented");
    }
}
