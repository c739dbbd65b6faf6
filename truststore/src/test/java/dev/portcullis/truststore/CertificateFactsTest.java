package dev.portcullis.truststore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERBMPString;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERT61String;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.DERUniversalString;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CertificateFacts against what the real {@code openssl x509} prints for the same PEM files. */
class CertificateFactsTest {
    @TempDir
    Path dir;

    @Test
    void specialCharactersAndUtf8MatchOpensslByteForByte() {
        IssuedCertificate cert = CertificateSpec
                .of("CN=Jürgen \\\"Q\\\" \\, Sons\\;x\\+y\\=z \\\\ \\<\\>,O=Ex\\<a\\>mple,C=DE")
                .selfSigned();
        CertificateFacts facts = assertMatchesOpenssl(cert.certificate());
        assertThat(facts.subject())
                .isEqualTo("CN=J\\C3\\BCrgen \\\"Q\\\" \\, Sons\\;x\\+y=z \\\\ \\<\\>,O=Ex\\<a\\>mple,C=DE");
    }

    @Test
    void multiValuedRdnAndEmailAddressMatchOpenssl() {
        X500Name name = new X500Name(new RDN[] {
                new RDN(new AttributeTypeAndValue(BCStyle.C, new DERPrintableString("US"))),
                new RDN(new AttributeTypeAndValue(BCStyle.O, new DERUTF8String("Example"))),
                new RDN(new AttributeTypeAndValue[] {
                        new AttributeTypeAndValue(BCStyle.CN, new DERUTF8String("device-7")),
                        new AttributeTypeAndValue(BCStyle.UID, new DERUTF8String("u7"))}),
                new RDN(new AttributeTypeAndValue(BCStyle.EmailAddress, new DERIA5String("ops@example.com"))),
        });
        CertificateFacts facts = assertMatchesOpenssl(TestCertificates.selfSigned(name, BigInteger.TEN));
        assertThat(facts.subject()).isEqualTo("emailAddress=ops@example.com,UID=u7+CN=device-7,O=Example,C=US");
    }

    @Test
    void serialWithLeadingZeroByteKeepsIt() {
        IssuedCertificate cert = CertificateSpec.client("CN=client-1,OU=devices,O=Example,C=US")
                .serial(new BigInteger("9e2aaf16", 16)).selfSigned();
        CertificateFacts facts = assertMatchesOpenssl(cert.certificate());
        assertThat(facts.serialNumber()).isEqualTo("00:9e:2a:af:16");
    }

    @Test
    void plainCertificate() {
        IssuedCertificate root = CertificateSpec.ca("CN=Intermediate CA,O=Example,C=US").selfSigned();
        // CertificateSpec takes RFC 2253 order (CN first), which openssl -nameopt RFC2253 prints back unchanged
        IssuedCertificate cert = CertificateSpec.client("CN=client-1,OU=devices,O=Example,C=US")
                .serial(new BigInteger("1234", 16)).signedBy(root);
        CertificateFacts facts = assertMatchesOpenssl(cert.certificate());
        assertThat(facts.serialNumber()).isEqualTo("12:34");
        assertThat(facts.subject()).isEqualTo("CN=client-1,OU=devices,O=Example,C=US");
        assertThat(facts.issuer()).isEqualTo("CN=Intermediate CA,O=Example,C=US");
        assertThat(facts.san()).isEmpty();
        assertThat(facts.notBefore()).isEqualTo(cert.certificate().getNotBefore().toInstant());
        assertThat(facts.certificate()).isSameAs(cert.certificate());
    }

    @Test
    void validityIsIsoSecondsUtc() {
        IssuedCertificate cert = CertificateSpec.of("CN=x")
                .validity(Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2026-01-01T00:00:00Z")).selfSigned();
        assertThat(CertificateFacts.of(cert.certificate()).validity())
                .isEqualTo("NotBefore=2025-01-01T00:00:00Z;NotAfter=2026-01-01T00:00:00Z");
    }

    /** Every ASCII byte first, inside, last and alone, so OpenSSL's position-dependent escaping is pinned down. */
    @Test
    void everyAsciiByteInEveryPositionMatchesOpenssl() {
        List<RDN> rdns = new ArrayList<>();
        for (int c = 0; c < 0x80; c++) {
            String ch = String.valueOf((char) c);
            for (String value : List.of(ch + "ab", "a" + ch + "b", "ab" + ch, ch)) {
                rdns.add(new RDN(BCStyle.OU, new DERUTF8String(value)));
            }
        }
        assertMatchesOpenssl(TestCertificates.selfSigned(new X500Name(rdns.toArray(RDN[]::new)), BigInteger.ONE));
    }

    /** Non-UTF8 string types are widened to UTF-8 before escaping; unknown OIDs and non-strings are hex dumps. */
    @Test
    void otherStringTypesUnknownOidsAndNonStringValuesMatchOpenssl() {
        X500Name name = new X500Name(new RDN[] {
                new RDN(BCStyle.C, new DERPrintableString("DE")),
                new RDN(BCStyle.O, new DERT61String(new byte[] {'M', (byte) 0xFC, 'n', 'c', 'h', 0x01})),
                new RDN(BCStyle.OU, new DERBMPString("Zoë € 漢 #")),
                new RDN(BCStyle.L, new DERUniversalString(new byte[] {0, 0, 0, '#', 0, 1, (byte) 0xF6, 0x00, 0, 0, 0, ' '})),
                new RDN(BCStyle.ST, new DERIA5String("tab\there\r\nnul\0del\u007f")),
                new RDN(new ASN1ObjectIdentifier("1.2.3.4.5.6"), new DERUTF8String("unknown,oid")),
                new RDN(BCStyle.SERIALNUMBER, new DERPrintableString("SN 42")),
                new RDN(BCStyle.DC, new DERIA5String("example")),
                new RDN(new ASN1ObjectIdentifier("1.2.840.113549.1.9.2"), new DERUTF8String("unstructured")),
                new RDN(BCStyle.CN, new DERSequence(new ASN1Encodable[] {new DERUTF8String("in a sequence")})),
                new RDN(BCStyle.CN, new DERUTF8String(" #lead and trail ")),
                new RDN(BCStyle.CN, new DERUTF8String("#")),
                new RDN(BCStyle.CN, new DERUTF8String(" ")),
                new RDN(BCStyle.CN, new DERUTF8String("")),
        });
        assertMatchesOpenssl(TestCertificates.selfSigned(name, BigInteger.TWO));
    }

    /** Each attribute type OpenSSL knows prints with OpenSSL's name (the table is generated from its headers). */
    @Test
    void everyOidInTheNameTablePrintsAsOpensslDoes() throws IOException {
        List<RDN> rdns = new ArrayList<>();
        try (InputStream in = OpensslObjectNames.class.getResourceAsStream("openssl-object-names.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String oid = line.isEmpty() || line.startsWith("#") ? null : line.substring(0, line.indexOf('\t'));
                if (oid != null && oid.indexOf('.') > 0) { // BouncyCastle cannot encode one-arc OIDs like "1"
                    rdns.add(new RDN(new ASN1ObjectIdentifier(oid), new DERUTF8String("v")));
                }
            }
        }
        assertThat(rdns).hasSizeGreaterThan(1000);
        assertMatchesOpenssl(TestCertificates.selfSigned(new X500Name(rdns.toArray(RDN[]::new)), BigInteger.ONE));
    }

    @Test
    void subjectAltNamesInCertificateOrder() {
        X509Certificate cert = TestCertificates.selfSigned(new X500Name("CN=san"), BigInteger.ONE,
                new GeneralName(GeneralName.dNSName, "a.example"),
                new GeneralName(GeneralName.dNSName, "b.example"),
                new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://example.org/device/7"),
                new GeneralName(GeneralName.iPAddress, "192.0.2.10"),
                new GeneralName(GeneralName.iPAddress, "2001:db8::1"),
                new GeneralName(GeneralName.rfc822Name, "ops@example.com"),
                new GeneralName(GeneralName.dNSName, new DERIA5String("evil,DNS:x\r\n")));
        assertThat(CertificateFacts.of(cert).san()).isEqualTo("DNS:a.example,DNS:b.example,"
                + "URI:spiffe://example.org/device/7,IP:192.0.2.10,IP:2001:db8:0:0:0:0:0:1,email:ops@example.com,"
                + "DNS:evil\\,DNS:x\\0D\\0A");
    }

    @Test
    void fingerprintIsSha256OfDer() throws Exception {
        X509Certificate cert = CertificateSpec.of("CN=f").selfSigned().certificate();
        assertThat(CertificateFacts.of(cert).sha256Fingerprint())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded())))
                .hasSize(64);
    }

    private CertificateFacts assertMatchesOpenssl(X509Certificate certificate) {
        Path pem = TestCertificates.writePem(dir, "cert.pem", certificate);
        Openssl.X509Output openssl = Openssl.x509(pem);
        CertificateFacts facts = CertificateFacts.of(certificate);
        assertThat(facts.subject()).isEqualTo(openssl.subject());
        assertThat(facts.issuer()).isEqualTo(openssl.issuer());
        assertThat(new BigInteger(facts.serialNumber().replace(":", ""), 16))
                .isEqualTo(new BigInteger(openssl.serial(), 16));
        assertThat(facts.sha256Fingerprint()).isEqualTo(openssl.sha256().replace(":", "").toLowerCase());
        assertThat(facts.subject()).doesNotContainPattern("[\\x00-\\x1f\\x7f-\\uffff]");
        return facts;
    }
}
