package dev.portcullis.revocation;

import dev.portcullis.truststore.CertificateRevocation.Status;
import java.io.IOException;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * One RFC 6960 question and the checks on its answer, on BouncyCastle's OCSP classes: the request
 * names the certificate by a SHA-1 CertID (what responders expect) and carries a nonce; the answer
 * must be a successful basic response, signed by the issuer itself or by a responder certificate the
 * issuer signed for id-kp-OCSPSigning that is valid now, about this CertID, with a thisUpdate not in
 * the future and a nextUpdate not in the past (both with {@link #CLOCK_SKEW}), and with our nonce
 * when it echoes one. Anything else is an Error answer, never Good.
 */
final class OcspExchange {
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    /** How long an answer without nextUpdate is kept at most ("newer information is always available"). */
    static final Duration NO_NEXT_UPDATE_TTL = Duration.ofMinutes(5);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DigestCalculatorProvider DIGESTS;

    static {
        try {
            DIGESTS = new JcaDigestCalculatorProviderBuilder().build();
        } catch (OperatorCreationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final X509Certificate certificate;
    private final X509CertificateHolder issuer;
    private final X509Certificate issuerCertificate;
    private final CertificateID id;
    private final byte[] nonce = new byte[16];

    OcspExchange(X509Certificate certificate, X509Certificate issuerCertificate) throws OCSPException, CertificateEncodingException {
        this.certificate = certificate;
        this.issuerCertificate = issuerCertificate;
        this.issuer = new JcaX509CertificateHolder(issuerCertificate);
        try {
            this.id = new CertificateID(DIGESTS.get(CertificateID.HASH_SHA1), issuer, certificate.getSerialNumber());
        } catch (OperatorCreationException e) {
            throw new OCSPException("no SHA-1 digest: " + e.getMessage(), e);
        }
        RANDOM.nextBytes(nonce);
    }

    byte[] request() throws OCSPException, IOException {
        OCSPReqBuilder builder = new OCSPReqBuilder().addRequest(id);
        builder.setRequestExtensions(new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false,
                new DEROctetString(nonce))));
        OCSPReq request = builder.build();
        return request.getEncoded();
    }

    /** The verified answer in {@code body}, or an Error answer saying what is wrong with it. */
    OcspAnswer answer(byte[] body, Instant now, Duration cacheTtl) {
        try {
            return check(new OCSPResp(body), now, cacheTtl);
        } catch (IOException | OCSPException | RuntimeException e) {
            return OcspAnswer.error("InvalidResponse", "unparsable OCSP response: " + CrlLoader.oneLine(e.getMessage()), now);
        }
    }

    private OcspAnswer check(OCSPResp response, Instant now, Duration cacheTtl) throws OCSPException {
        if (response.getStatus() != OCSPResp.SUCCESSFUL) {
            return OcspAnswer.error("ResponderError", "responder answered " + statusName(response.getStatus()), now);
        }
        if (!(response.getResponseObject() instanceof BasicOCSPResp basic)) {
            return OcspAnswer.error("InvalidResponse", "not a basic OCSP response", now);
        }
        String signer = signedByIssuer(basic, now);
        if (signer != null) {
            return OcspAnswer.error("InvalidResponse", signer, now);
        }
        Extension echoed = basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
        if (echoed != null && !Arrays.equals(nonceOf(echoed), nonce)) {
            return OcspAnswer.error("InvalidResponse", "the response's nonce is not the request's (a replayed response?)", now);
        }
        SingleResp single = null;
        for (SingleResp candidate : basic.getResponses()) {
            CertificateID answered = candidate.getCertID();
            if (answered.getSerialNumber().equals(certificate.getSerialNumber()) && matchesIssuer(answered)) {
                single = candidate;
                break;
            }
        }
        if (single == null) {
            return OcspAnswer.error("InvalidResponse", "the response does not answer for this certificate", now);
        }
        Instant thisUpdate = single.getThisUpdate().toInstant();
        if (thisUpdate.isAfter(now.plus(CLOCK_SKEW))) {
            return OcspAnswer.error("InvalidResponse", "thisUpdate " + thisUpdate + " is in the future", now);
        }
        Date next = single.getNextUpdate();
        if (next != null && next.toInstant().isBefore(now.minus(CLOCK_SKEW))) {
            return OcspAnswer.error("InvalidResponse", "stale response: nextUpdate " + next.toInstant() + " has passed", now);
        }
        if (next == null && thisUpdate.isBefore(now.minus(CLOCK_SKEW).minus(NO_NEXT_UPDATE_TTL))) {
            // without nextUpdate only a fresh answer proves anything: an old one may be replayed from
            // before a revocation (a responder that does not echo nonces cannot be told apart otherwise)
            return OcspAnswer.error("InvalidResponse", "stale response: no nextUpdate and thisUpdate " + thisUpdate
                    + " is more than " + NO_NEXT_UPDATE_TTL.plus(CLOCK_SKEW).toMinutes() + " minutes old", now);
        }
        Instant expires = now.plus(cacheTtl);
        if (next != null) {
            expires = min(expires, next.toInstant());
        } else {
            expires = min(expires, now.plus(NO_NEXT_UPDATE_TTL));
        }
        if (!expires.isAfter(now)) {
            expires = now.plusSeconds(1);
        }
        Instant refresh = now.plus(Duration.between(now, expires).multipliedBy(3).dividedBy(4));
        Object status = single.getCertStatus();
        if (status == org.bouncycastle.cert.ocsp.CertificateStatus.GOOD) {
            return new OcspAnswer(Status.Good, null, "", now, expires, refresh, false);
        }
        if (status instanceof RevokedStatus revoked) {
            return new OcspAnswer(Status.Revoked, null, "responder says revoked at " + revoked.getRevocationTime().toInstant()
                    + (revoked.hasRevocationReason() ? " (reason " + revoked.getRevocationReason() + ")" : ""),
                    now, expires, expires, !isHold(revoked));
        }
        if (status instanceof UnknownStatus) {
            return new OcspAnswer(Status.Unknown, "CertUnknown", "responder does not know the certificate", now,
                    min(expires, now.plus(OcspAnswer.ERROR_TTL)), min(expires, now.plus(OcspAnswer.ERROR_TTL)), false);
        }
        return OcspAnswer.error("InvalidResponse", "unknown certificate status", now);
    }

    private static boolean isHold(RevokedStatus revoked) {
        return revoked.hasRevocationReason() && revoked.getRevocationReason() == org.bouncycastle.asn1.x509.CRLReason.certificateHold;
    }

    private boolean matchesIssuer(CertificateID answered) {
        try {
            return answered.matchesIssuer(issuer, DIGESTS);
        } catch (OCSPException e) {
            return false;
        }
    }

    /** Null when the issuer, or a delegated responder it certified, signed the response; else why not. */
    private String signedByIssuer(BasicOCSPResp basic, Instant now) {
        try {
            if (basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(issuerCertificate.getPublicKey()))) {
                return null;
            }
        } catch (OperatorCreationException | OCSPException | RuntimeException e) {
            // not the issuer's key (another algorithm): try a delegated responder
        }
        X509CertificateHolder[] certs = basic.getCerts();
        for (X509CertificateHolder responder : certs == null ? new X509CertificateHolder[0] : certs) {
            try {
                if (!responder.getIssuer().equals(issuer.getSubject())
                        || !responder.isSignatureValid(new JcaContentVerifierProviderBuilder().build(issuerCertificate.getPublicKey()))
                        || !responder.isValidOn(Date.from(now))
                        || !ocspSigning(responder)) {
                    continue;
                }
                if (basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(responder))) {
                    return null;
                }
            } catch (Exception e) {
                // an unusable certificate in the response: try the next
            }
        }
        return "the response is not signed by the issuer '" + issuer.getSubject()
                + "' or by a responder it certified for OCSP signing";
    }

    private static boolean ocspSigning(X509CertificateHolder responder) {
        org.bouncycastle.asn1.x509.ExtendedKeyUsage usage = org.bouncycastle.asn1.x509.ExtendedKeyUsage.fromExtensions(
                responder.getExtensions());
        return usage != null && usage.hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning);
    }

    private static byte[] nonceOf(Extension extension) {
        byte[] value = extension.getExtnValue().getOctets();
        try {
            // RFC 8954: the value is an OCTET STRING inside the extension's OCTET STRING
            return org.bouncycastle.asn1.ASN1OctetString.getInstance(value).getOctets();
        } catch (RuntimeException e) {
            return value;
        }
    }

    private static String statusName(int status) {
        return switch (status) {
            case OCSPResp.MALFORMED_REQUEST -> "malformedRequest";
            case OCSPResp.INTERNAL_ERROR -> "internalError";
            case OCSPResp.TRY_LATER -> "tryLater";
            case OCSPResp.SIG_REQUIRED -> "sigRequired";
            case OCSPResp.UNAUTHORIZED -> "unauthorized";
            default -> "status " + status;
        };
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
