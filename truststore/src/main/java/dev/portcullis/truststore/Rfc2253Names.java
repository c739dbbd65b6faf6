package dev.portcullis.truststore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1Set;

/**
 * Distinguished names as {@code openssl x509 -noout -subject -nameopt RFC2253} (OpenSSL 3.0) prints
 * them, computed from the DER. This mirrors OpenSSL's {@code do_name_ex}/{@code do_buf}/
 * {@code do_esc_char} rather than {@link X500Principal#getName(String)}, whose escaping differs:
 * <ul>
 *   <li>entries in reverse encoding order (so CN first), ',' between RDNs, '+' inside a multi-valued RDN;</li>
 *   <li>attribute types as OpenSSL short names; OIDs OpenSSL does not know print dotted with the
 *       value as {@code #} and the uppercase hex of its DER;</li>
 *   <li>values: {@code , + " \ < > ;} escaped with a backslash (not '=': OpenSSL 3.0 leaves it raw), '#' and ' ' first and ' ' last too;
 *       control characters and every byte of a non-ASCII character's UTF-8 as {@code \XX}.</li>
 * </ul>
 * So CR, LF, NUL and non-ASCII never appear raw: the result is safe for headers and log lines.
 */
public final class Rfc2253Names {
    private static final HexFormat UPPER_HEX = HexFormat.of().withUpperCase();

    private Rfc2253Names() {
    }

    /** The RFC 2253 string of {@code name}. */
    public static String format(X500Principal name) {
        return format(name.getEncoded());
    }

    /** The RFC 2253 string of a DER-encoded X.501 Name. */
    public static String format(byte[] derName) {
        record Entry(int rdn, ASN1ObjectIdentifier type, ASN1Encodable value) {
        }
        List<Entry> entries = new ArrayList<>();
        ASN1Sequence rdns = ASN1Sequence.getInstance(derName);
        for (int i = 0; i < rdns.size(); i++) {
            ASN1Set rdn = ASN1Set.getInstance(rdns.getObjectAt(i));
            for (int j = 0; j < rdn.size(); j++) {
                ASN1Sequence typeAndValue = ASN1Sequence.getInstance(rdn.getObjectAt(j));
                entries.add(new Entry(i, ASN1ObjectIdentifier.getInstance(typeAndValue.getObjectAt(0)),
                        typeAndValue.getObjectAt(1)));
            }
        }
        StringBuilder out = new StringBuilder(64);
        int previousRdn = -1;
        // OpenSSL's XN_FLAG_DN_REV reverses the flat entry list, so a multi-valued RDN prints reversed as well.
        for (int k = entries.size() - 1; k >= 0; k--) {
            Entry entry = entries.get(k);
            if (previousRdn != -1) {
                out.append(previousRdn == entry.rdn() ? '+' : ',');
            }
            previousRdn = entry.rdn();
            String oid = entry.type().getId();
            String shortName = OpensslObjectNames.shortName(oid);
            byte[] tlv = encode(entry.value());
            if (shortName == null) {
                out.append(oid).append('=');
                dump(tlv, out);
            } else {
                out.append(shortName).append('=');
                appendValue(tlv, out);
            }
        }
        return out.toString();
    }

    private static void appendValue(byte[] tlv, StringBuilder out) {
        int tag = tlv[0] & 0xff; // universal, primitive tags only; anything else OpenSSL dumps
        byte[] content = contentOctets(tlv);
        switch (tag) {
            // UTF8String: OpenSSL prints its bytes one by one, so every byte >= 0x80 becomes \XX
            case 12 -> escape(content, 1, false, out);
            // Numeric, Printable, T61, IA5, UTCTime, GeneralizedTime, Visible: one byte per character (Latin-1)
            case 18, 19, 20, 22, 23, 24, 26 -> escape(content, 1, true, out);
            case 28 -> escapeOrDump(tlv, content, 4, out); // UniversalString
            case 30 -> escapeOrDump(tlv, content, 2, out); // BMPString
            default -> dump(tlv, out);
        }
    }

    private static void escapeOrDump(byte[] tlv, byte[] content, int width, StringBuilder out) {
        if (content.length % width != 0) {
            dump(tlv, out); // OpenSSL refuses such a string; show the bytes rather than guess
        } else {
            escape(content, width, true, out);
        }
    }

    /** OpenSSL's do_buf with ESC_2253|ESC_CTRL|ESC_MSB|UTF8_CONVERT. */
    private static void escape(byte[] content, int width, boolean convertToUtf8, StringBuilder out) {
        int characters = content.length / width;
        for (int i = 0; i < characters; i++) {
            int c = 0;
            for (int b = 0; b < width; b++) {
                c = (c << 8) | (content[i * width + b] & 0xff);
            }
            // OpenSSL sets "first" for the first character, then overwrites it with "last" for the
            // last one: a one-character value is only checked as last (a lone '#' stays unescaped).
            boolean last = i == characters - 1;
            boolean first = i == 0 && !last;
            if (!convertToUtf8 || c < 0x80) {
                escapeByte(c, first, last, out);
            } else {
                byte[] utf8 = utf8(c);
                for (byte u : utf8) {
                    escapeByte(u & 0xff, first, last, out);
                }
            }
        }
    }

    private static void escapeByte(int b, boolean first, boolean last, StringBuilder out) {
        if (b > 0x7e || b < 0x20) {
            out.append('\\').append(UPPER_HEX.toHexDigits((byte) b));
            return;
        }
        char ch = (char) b;
        boolean special = switch (ch) {
            // OpenSSL 3.0 does not escape '=' (RFC 2253 does not require it); we print what openssl prints
            case ',', '+', '"', '\\', '<', '>', ';' -> true;
            case '#' -> first;
            case ' ' -> first || last;
            default -> false;
        };
        if (special) {
            out.append('\\');
        }
        out.append(ch);
    }

    /** OpenSSL's UTF8_putc: nothing for surrogates and values beyond U+10FFFF (it refuses them). */
    private static byte[] utf8(int c) {
        if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
            return new byte[0];
        }
        return new String(Character.toChars(c)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void dump(byte[] bytes, StringBuilder out) {
        out.append('#').append(UPPER_HEX.formatHex(bytes));
    }

    private static byte[] encode(ASN1Encodable value) {
        try {
            return value.toASN1Primitive().getEncoded("DER");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The content octets of a DER TLV with a one-byte tag. */
    private static byte[] contentOctets(byte[] tlv) {
        int first = tlv[1] & 0xff;
        int offset = 2;
        if (first >= 0x80) {
            offset += first & 0x7f;
        }
        return java.util.Arrays.copyOfRange(tlv, offset, tlv.length);
    }
}
