package dev.portcullis.truststore;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.RSASSAPSSparams;

/**
 * CloudFront's accepted certificate types: keys RSA 2048/3072/4096 or EC P-256/P-384, signatures
 * SHA-256/384/512 with RSA PKCS#1 v1.5, ECDSA or RSASSA-PSS. Returns why not, or null when fine.
 */
final class CertificateTypePolicy {
    private static final Set<Integer> RSA_SIZES = Set.of(2048, 3072, 4096);
    private static final ECParameterSpec P256 = curve("secp256r1");
    private static final ECParameterSpec P384 = curve("secp384r1");
    private static final String RSASSA_PSS = "1.2.840.113549.1.1.10";
    private static final Map<String, String> SIGNATURES = Map.of(
            "1.2.840.113549.1.1.11", "SHA256withRSA",
            "1.2.840.113549.1.1.12", "SHA384withRSA",
            "1.2.840.113549.1.1.13", "SHA512withRSA",
            "1.2.840.10045.4.3.2", "SHA256withECDSA",
            "1.2.840.10045.4.3.3", "SHA384withECDSA",
            "1.2.840.10045.4.3.4", "SHA512withECDSA");
    private static final Set<String> PSS_HASHES = Set.of(
            "2.16.840.1.101.3.4.2.1", "2.16.840.1.101.3.4.2.2", "2.16.840.1.101.3.4.2.3");

    private CertificateTypePolicy() {
    }

    /** Why {@code key} is not acceptable, or null. */
    static String unsupportedKey(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            return RSA_SIZES.contains(bits) ? null : "RSA key of " + bits + " bits (accepted: 2048, 3072, 4096)";
        }
        if (key instanceof ECPublicKey ec) {
            ECParameterSpec params = ec.getParams();
            return sameCurve(params, P256) || sameCurve(params, P384) ? null
                    : "EC key on a curve other than P-256/P-384 (" + params.getCurve().getField().getFieldSize() + " bits)";
        }
        return key.getAlgorithm() + " key (accepted: RSA, EC)";
    }

    /** Why the signature algorithm of {@code certificate} (made by its issuer) is not acceptable, or null. */
    static String unsupportedSignature(X509Certificate certificate) {
        String oid = certificate.getSigAlgOID();
        if (SIGNATURES.containsKey(oid)) {
            return null;
        }
        if (RSASSA_PSS.equals(oid)) {
            byte[] params = certificate.getSigAlgParams();
            // absent parameters mean the RFC 4055 default, SHA-1
            String hash = params == null ? "1.3.14.3.2.26" : pssHash(params);
            return PSS_HASHES.contains(hash) ? null : "RSASSA-PSS signature with hash " + hash;
        }
        return "signature algorithm " + certificate.getSigAlgName() + " (" + oid + ")";
    }

    private static String pssHash(byte[] params) {
        try {
            return RSASSAPSSparams.getInstance(params).getHashAlgorithm().getAlgorithm().getId();
        } catch (RuntimeException e) {
            return "<unparsable>";
        }
    }

    private static boolean sameCurve(ECParameterSpec a, ECParameterSpec b) {
        BigInteger order = a.getOrder();
        return order.equals(b.getOrder()) && a.getCurve().equals(b.getCurve())
                && a.getGenerator().equals(b.getGenerator());
    }

    private static ECParameterSpec curve(String name) {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(name));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks curve " + name, e);
        }
    }
}
