package dev.portcullis.proxy.tls;

import dev.portcullis.truststore.TlsAlert;
import io.netty.internal.tcnative.CertificateVerifier;

/**
 * Maps the alert a refusal wants onto the X509 verify error whose alert BoringSSL sends
 * (SSL_alert_from_verify_result). BoringSSL has no verify error for access_denied; a refused
 * policy decision goes out as handshake_failure (X509_V_ERR_APPLICATION_VERIFICATION).
 */
final class TlsAlerts {
    private TlsAlerts() {
    }

    static int verifyErrorFor(TlsAlert alert) {
        return switch (alert) {
            case UNKNOWN_CA -> CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
            case CERTIFICATE_EXPIRED -> CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
            case BAD_CERTIFICATE -> CertificateVerifier.X509_V_ERR_CERT_REJECTED;
            case UNSUPPORTED_CERTIFICATE -> CertificateVerifier.X509_V_ERR_INVALID_PURPOSE;
            case CERTIFICATE_REVOKED -> CertificateVerifier.X509_V_ERR_CERT_REVOKED;
            // no case of SSL_alert_from_verify_result names it: it falls to the default, certificate_unknown
            case CERTIFICATE_UNKNOWN -> CertificateVerifier.X509_V_ERR_CRL_PATH_VALIDATION_ERROR;
            case ACCESS_DENIED -> CertificateVerifier.X509_V_ERR_APPLICATION_VERIFICATION;
            case CERTIFICATE_REQUIRED, INTERNAL_ERROR -> CertificateVerifier.X509_V_ERR_UNSPECIFIED;
        };
    }
}
