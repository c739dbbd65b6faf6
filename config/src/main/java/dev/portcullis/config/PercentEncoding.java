package dev.portcullis.config;

/**
 * The one percent-encoding of the node: a value's UTF-8 bytes, each byte that a {@link Kept} set does not
 * keep written as {@code %XX} (upper-case hex). The sets differ by where the value goes: certificate
 * headers keep RFC 3986's unreserved characters and base64's {@code + / =} as CloudFront does; the PEM
 * header formats keep printable ASCII; W3C log fields keep visible ASCII (their separator is a space or
 * a tab). {@code %} itself is never kept, so an encoded value decodes back unambiguously. A lone UTF-16
 * surrogate is encoded as U+FFFD.
 */
public final class PercentEncoding {
    /** Which ASCII bytes are written as they are. */
    @FunctionalInterface
    public interface Kept {
        boolean kept(int asciiByte);
    }

    /** Where encoded bytes go (a log line's buffer, a string builder). */
    @FunctionalInterface
    public interface ByteSink {
        void write(int b);
    }

    /** RFC 3986 unreserved characters and {@code + / =}: a space is {@code %20}, a newline {@code %0A}. */
    public static final Kept UNRESERVED_AND_BASE64 = c -> c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
            || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
    /** Printable ASCII, space included, except {@code %}. */
    public static final Kept PRINTABLE = c -> c >= 0x20 && c <= 0x7e && c != '%';
    /** Visible ASCII (no space, no control character) except {@code %}. */
    public static final Kept VISIBLE = c -> c > 0x20 && c < 0x7f && c != '%';

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PercentEncoding() {
    }

    /** {@code text} encoded; the same string when every character is kept. */
    public static String encode(String text, Kept kept) {
        int first = 0;
        while (first < text.length() && text.charAt(first) < 0x80 && kept.kept(text.charAt(first))) {
            first++;
        }
        if (first == text.length()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        encode(text, first, kept, b -> out.append((char) b));
        return out.toString();
    }

    /** Writes {@code text} from {@code from} on, encoded, to {@code sink}. */
    public static void encode(String text, int from, Kept kept, ByteSink sink) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                if (kept.kept(c)) {
                    sink.write(c);
                } else {
                    percent(c, sink);
                }
                continue;
            }
            int codePoint = c;
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                codePoint = Character.toCodePoint(c, text.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                codePoint = 0xFFFD;
            }
            if (codePoint < 0x800) {
                percent(0xC0 | codePoint >> 6, sink);
            } else if (codePoint < 0x10000) {
                percent(0xE0 | codePoint >> 12, sink);
                percent(0x80 | codePoint >> 6 & 0x3F, sink);
            } else {
                percent(0xF0 | codePoint >> 18, sink);
                percent(0x80 | codePoint >> 12 & 0x3F, sink);
                percent(0x80 | codePoint >> 6 & 0x3F, sink);
            }
            percent(0x80 | codePoint & 0x3F, sink);
        }
    }

    private static void percent(int b, ByteSink sink) {
        sink.write('%');
        sink.write(HEX[b >> 4 & 0xF]);
        sink.write(HEX[b & 0xF]);
    }
}
