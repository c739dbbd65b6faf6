package dev.portcullis.truststore;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.StringJoiner;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;

/** Computes {@link CertificateFacts} from a certificate's DER. */
final class CertificateFactsParser {
    private static final HexFormat HEX = HexFormat.of();
    private static final HexFormat UPPER_HEX = HexFormat.of().withUpperCase();
    private static final String SUBJECT_ALT_NAME = "2.5.29.17";

    private CertificateFactsParser() {
    }

    static CertificateFacts parse(X509Certificate certificate) {
        return new CertificateFacts(
                serialNumber(certificate),
                Rfc2253Names.format(certificate.getIssuerX500Principal()),
                Rfc2253Names.format(certificate.getSubjectX500Principal()),
                certificate.getNotBefore().toInstant(),
                certificate.getNotAfter().toInstant(),
                sha256Fingerprint(certificate),
                subjectAltNames(certificate),
                certificate);
    }

    /** The DER INTEGER content octets (two's complement, so a leading 00 stays), {@code 00:9e:2a:af:16}. */
    static String serialNumber(X509Certificate certificate) {
        return HexFormat.ofDelimiter(":").formatHex(certificate.getSerialNumber().toByteArray());
    }

    static String sha256Fingerprint(X509Certificate certificate) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot fingerprint certificate", e);
        }
    }

    /**
     * {@code DNS:a,DNS:b,URI:spiffe://x,IP:1.2.3.4,email:a@b}, "" without the extension. Values are
     * escaped like DN values ({@code \,} {@code \\}, bytes outside printable ASCII as {@code \XX}) so a
     * crafted name can neither split the list nor put control characters into logs.
     */
    static String subjectAltNames(X509Certificate certificate) {
        byte[] extension = certificate.getExtensionValue(SUBJECT_ALT_NAME);
        if (extension == null) {
            return "";
        }
        GeneralName[] names;
        try {
            names = GeneralNames.getInstance(ASN1OctetString.getInstance(extension).getOctets()).getNames();
        } catch (RuntimeException e) {
            return ""; // malformed and non-critical: validation decides about the certificate, not us
        }
        StringJoiner out = new StringJoiner(",");
        for (GeneralName name : names) {
            out.add(format(name));
        }
        return out.toString();
    }

    private static String format(GeneralName name) {
        ASN1Encodable value = name.getName();
        return switch (name.getTagNo()) {
            case GeneralName.dNSName -> "DNS:" + escape(value);
            case GeneralName.uniformResourceIdentifier -> "URI:" + escape(value);
            case GeneralName.rfc822Name -> "email:" + escape(value);
            case GeneralName.iPAddress -> "IP:" + ipAddress(ASN1OctetString.getInstance(value).getOctets());
            case GeneralName.directoryName -> "DirName:" + escapeText(dirName(value));
            case GeneralName.registeredID -> "RID:" + ASN1ObjectIdentifier.getInstance(value).getId();
            case GeneralName.otherName -> "othername:" + otherNameType(value);
            case GeneralName.x400Address -> "X400Name:<unsupported>";
            default -> "EdiPartyName:<unsupported>";
        };
    }

    private static String dirName(ASN1Encodable value) {
        try {
            return Rfc2253Names.format(value.toASN1Primitive().getEncoded("DER"));
        } catch (java.io.IOException e) {
            return "<unsupported>";
        }
    }

    private static String otherNameType(ASN1Encodable value) {
        ASN1Sequence sequence = ASN1Sequence.getInstance(value);
        return ASN1ObjectIdentifier.getInstance(sequence.getObjectAt(0)).getId();
    }

    private static String ipAddress(byte[] address) {
        if (address.length == 4 || address.length == 16) {
            try {
                return InetAddress.getByAddress(address).getHostAddress();
            } catch (UnknownHostException e) {
                // unreachable for 4 and 16 bytes
            }
        }
        return HEX.formatHex(address);
    }

    private static String escape(ASN1Encodable value) {
        ASN1Encodable inner = value instanceof ASN1TaggedObject tagged ? tagged.getBaseObject() : value;
        if (inner instanceof ASN1IA5String ia5) {
            return escapeBytes(ia5.getOctets()); // the raw bytes, whatever a crafted certificate put there
        }
        return escapeText(inner instanceof ASN1String s ? s.getString() : inner.toString());
    }

    /** Printable ASCII stays, except the separators; everything else as {@code \XX} of its UTF-8. */
    private static String escapeText(String text) {
        return escapeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String escapeBytes(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c == ',' || c == '\\') {
                out.append('\\').append((char) c);
            } else if (c < 0x20 || c > 0x7e) {
                out.append('\\').append(UPPER_HEX.toHexDigits(b));
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }
}
