package dev.portcullis.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Describes one certificate to make, then makes it self-signed or signed by an issuer.
 * Defaults: EC P-256, a random positive 16-byte serial, valid from an hour ago for 30 days,
 * an end-entity with digitalSignature and no extendedKeyUsage.
 *
 * <pre>{@code
 * IssuedCertificate root = CertificateSpec.ca("CN=Root CA,O=Example").selfSigned();
 * IssuedCertificate client = CertificateSpec.client("CN=client-1,O=Example").signedBy(root);
 * }</pre>
 */
public final class CertificateSpec {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X500Name subject;
    private KeyType keyType = KeyType.EC_P256;
    private BigInteger serial;
    private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
    private Instant notAfter = Instant.now().plus(Duration.ofDays(30));
    private boolean ca;
    private Integer pathLength;
    private Integer keyUsage = KeyUsage.digitalSignature;
    private final List<KeyPurposeId> extendedKeyUsages = new ArrayList<>();
    private final List<GeneralName> subjectAltNames = new ArrayList<>();
    private String signatureAlgorithm;
    private String ocspUrl;

    private CertificateSpec(String subjectDn) {
        // BCStyle encodes attribute values as UTF8String, so non-ASCII subjects survive as real UTF-8.
        // RFC 2253/4514 strings list the most specific RDN first (CN=...,C=US) while the DER holds
        // them the other way round; BouncyCastle keeps the string's order, so reverse it here.
        org.bouncycastle.asn1.x500.RDN[] rdns = new X500Name(BCStyle.INSTANCE, subjectDn).getRDNs();
        java.util.Collections.reverse(java.util.Arrays.asList(rdns));
        this.subject = new X500Name(BCStyle.INSTANCE, rdns);
    }

    /** An end-entity certificate for {@code subjectDn} (RFC 2253/4514 syntax, e.g. {@code CN=x,O=y}). */
    public static CertificateSpec of(String subjectDn) {
        return new CertificateSpec(subjectDn);
    }

    /** A CA certificate: basicConstraints CA=true, keyUsage keyCertSign and cRLSign. */
    public static CertificateSpec ca(String subjectDn) {
        CertificateSpec spec = new CertificateSpec(subjectDn);
        spec.ca = true;
        spec.keyUsage = KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature;
        // CAs exist long before the certificates they sign (expired leaves included).
        spec.notBefore = Instant.now().minus(Duration.ofDays(365));
        spec.notAfter = Instant.now().plus(Duration.ofDays(3650));
        return spec;
    }

    /** A TLS client certificate: digitalSignature, extendedKeyUsage clientAuth. */
    public static CertificateSpec client(String subjectDn) {
        return of(subjectDn).extendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
    }

    /** A TLS server certificate for the given DNS names (the first also becomes the CN if the DN has none). */
    public static CertificateSpec server(String subjectDn, String... dnsNames) {
        CertificateSpec spec = of(subjectDn).extendedKeyUsage(KeyPurposeId.id_kp_serverAuth);
        for (String name : dnsNames) {
            spec.dnsName(name);
        }
        return spec;
    }

    public CertificateSpec keyType(KeyType type) {
        this.keyType = type;
        return this;
    }

    public CertificateSpec serial(BigInteger serialNumber) {
        this.serial = serialNumber;
        return this;
    }

    public CertificateSpec validity(Instant from, Instant to) {
        this.notBefore = from;
        this.notAfter = to;
        return this;
    }

    /** Already expired: valid from 60 days ago until yesterday. */
    public CertificateSpec expired() {
        return validity(Instant.now().minus(Duration.ofDays(60)), Instant.now().minus(Duration.ofDays(1)));
    }

    /** Not yet valid: valid from tomorrow for 30 days. */
    public CertificateSpec notYetValid() {
        return validity(Instant.now().plus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(31)));
    }

    /** basicConstraints pathLenConstraint for a CA. */
    public CertificateSpec pathLength(int length) {
        this.pathLength = length;
        return this;
    }

    /** keyUsage bits from {@link KeyUsage}; {@code null} leaves the extension out. */
    public CertificateSpec keyUsage(Integer bits) {
        this.keyUsage = bits;
        return this;
    }

    public CertificateSpec extendedKeyUsage(KeyPurposeId... purposes) {
        extendedKeyUsages.addAll(List.of(purposes));
        return this;
    }

    public CertificateSpec dnsName(String name) {
        subjectAltNames.add(new GeneralName(GeneralName.dNSName, name));
        return this;
    }

    public CertificateSpec uri(String uri) {
        subjectAltNames.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        return this;
    }

    public CertificateSpec ipAddress(String ip) {
        subjectAltNames.add(new GeneralName(GeneralName.iPAddress, ip));
        return this;
    }

    /** An OCSP responder in the Authority Information Access extension. */
    public CertificateSpec ocspUrl(String url) {
        this.ocspUrl = url;
        return this;
    }

    /** Overrides the issuer's default signature algorithm, e.g. {@code SHA1withRSA} for negative tests. */
    public CertificateSpec signatureAlgorithm(String algorithm) {
        this.signatureAlgorithm = algorithm;
        return this;
    }

    public IssuedCertificate selfSigned() {
        KeyPair keys = keyType.generate(RANDOM);
        return build(keys, subject, keys, null, keyType);
    }

    public IssuedCertificate signedBy(IssuedCertificate issuer) {
        KeyPair keys = keyType.generate(RANDOM);
        X500Name issuerName = X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
        KeyPair issuerKeys = new KeyPair(issuer.certificate().getPublicKey(), issuer.privateKey());
        return build(keys, issuerName, issuerKeys, issuer.certificate(), keyTypeOf(issuer.certificate()));
    }

    private IssuedCertificate build(KeyPair keys, X500Name issuerName, KeyPair issuerKeys,
                                    X509Certificate issuerCert, KeyType issuerType) {
        try {
            BigInteger serialNumber = serial != null ? serial : new BigInteger(1, randomBytes(16));
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName, serialNumber,
                    Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            builder.addExtension(Extension.authorityKeyIdentifier, false, issuerCert == null
                    ? ext.createAuthorityKeyIdentifier(keys.getPublic())
                    : ext.createAuthorityKeyIdentifier(issuerCert));
            if (ca) {
                builder.addExtension(Extension.basicConstraints, true,
                        pathLength == null ? new BasicConstraints(true) : new BasicConstraints(pathLength));
            } else {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            }
            if (keyUsage != null) {
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            }
            if (!extendedKeyUsages.isEmpty()) {
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(extendedKeyUsages.toArray(KeyPurposeId[]::new)));
            }
            if (!subjectAltNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new DERSequence(subjectAltNames.toArray(ASN1Encodable[]::new)));
            }
            if (ocspUrl != null) {
                builder.addExtension(Extension.authorityInfoAccess, false, new org.bouncycastle.asn1.x509.AuthorityInformationAccess(
                        org.bouncycastle.asn1.x509.AccessDescription.id_ad_ocsp,
                        new GeneralName(GeneralName.uniformResourceIdentifier, ocspUrl)));
            }
            String algorithm = signatureAlgorithm != null ? signatureAlgorithm : issuerType.signatureAlgorithm();
            ContentSigner signer = new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new IssuedCertificate(certificate, keys.getPrivate());
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException
                 | org.bouncycastle.cert.CertIOException e) {
            throw new IllegalStateException("cannot make certificate " + subject, e);
        }
    }

    /** The signing flavour of an existing key: only RSA vs EC and the curve size matter for the digest. */
    private static KeyType keyTypeOf(X509Certificate certificate) {
        if (certificate.getPublicKey() instanceof java.security.interfaces.ECPublicKey ec) {
            return ec.getParams().getCurve().getField().getFieldSize() > 256 ? KeyType.EC_P384 : KeyType.EC_P256;
        }
        return KeyType.RSA_2048;
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        bytes[0] &= 0x7f; // keep the DER INTEGER positive without a leading 00
        if (bytes[0] == 0) {
            bytes[0] = 1;
        }
        return bytes;
    }
}
