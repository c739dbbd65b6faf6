package dev.portcullis.truststore;

import java.util.Objects;

/**
 * What a revocation check found for one certificate of a client's path, as connection functions
 * see it ({@code revocationStatus.certificates.leaf} and each of {@code intermediates}).
 *
 * @param method       how it was checked
 * @param status       Good, Revoked, Unknown (the responder does not know it) or Error (no answer
 *                     that can be trusted)
 * @param errorType    why it is Unknown or Error ({@code null} for Good and Revoked): one of
 *                     {@code Timeout}, {@code Unreachable}, {@code ResponderError},
 *                     {@code InvalidResponse}, {@code CertUnknown} (OCSP), {@code NoResponderUrl},
 *                     {@code CrlExpired}, {@code NoCrl} (CRL), {@code NotChecked}
 *                     (not cached, and asked where no one may wait), {@code Internal}
 * @param serialNumber the certificate's serial, colon-separated lowercase hex as elsewhere
 * @param detail       one line for the node's log; not shown to functions
 */
public record CertificateRevocation(Method method, Status status, String errorType, String serialNumber, String detail) {
    public enum Method { OCSP, CRL }

    public enum Status { Good, Revoked, Unknown, Error }

    /** The error type that no function may overrule: the certificate cannot be checked at all. */
    public static final String NO_RESPONDER_URL = "NoResponderUrl";

    public CertificateRevocation {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(serialNumber, "serialNumber");
        detail = detail == null ? "" : detail;
    }

    public static CertificateRevocation good(Method method, String serialNumber) {
        return new CertificateRevocation(method, Status.Good, null, serialNumber, "");
    }

    public static CertificateRevocation revoked(Method method, String serialNumber, String detail) {
        return new CertificateRevocation(method, Status.Revoked, null, serialNumber, detail);
    }

    public static CertificateRevocation undetermined(Method method, Status status, String errorType, String serialNumber,
                                                     String detail) {
        if (status == Status.Good || status == Status.Revoked) {
            throw new IllegalArgumentException("undetermined means Unknown or Error, not " + status);
        }
        return new CertificateRevocation(method, status, errorType, serialNumber, detail);
    }

    public boolean undetermined() {
        return status == Status.Unknown || status == Status.Error;
    }
}
