package dev.portcullis.logs;

import java.nio.charset.StandardCharsets;

/**
 * The W3C extended log format as CloudFront writes it: {@code #Version: 1.0} and {@code #Fields: ...} at the
 * start of every file, values separated by a tab, {@code -} for an absent or empty value.
 *
 * <p>Text is percent-encoded so that no value can break a line or shift a column: every byte of the value's
 * UTF-8 form that is a control character, space, {@code %}, DEL or non-ASCII becomes {@code %XX} (upper-case
 * hex), and a value that is exactly {@code -} becomes {@code %2D} so it cannot be mistaken for an absent one.
 * Percent-decoding a field (as UTF-8) therefore gives back the exact original string; an unpaired surrogate,
 * which has no UTF-8 form, is written as U+FFFD.
 */
final class W3cLineFormatter<T> implements LineFormatter<T>, FieldSink {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private final LogSchema<T> schema;
    private final byte[] header;
    /** Where the current {@link #format} call appends. */
    private ByteLine line;
    private final UtcDateTime clock = new UtcDateTime();
    private boolean first;

    W3cLineFormatter(LogSchema<T> schema) {
        this.schema = schema;
        this.header = ("#Version: 1.0\n#Fields: " + String.join(" ", schema.fieldNames()) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public byte[] header() {
        return header.clone();
    }

    @Override
    public void format(T record, ByteLine out) {
        line = out;
        first = true;
        schema.write(record, this);
        line.write('\n');
    }

    @Override
    public void text(String value) {
        separator();
        if (value == null || value.isEmpty()) {
            line.write('-');
        } else if (value.equals("-")) {
            line.writeAscii("%2D");
        } else {
            encode(value);
        }
    }

    @Override
    public void number(long value) {
        separator();
        line.writeNumber(value);
    }

    @Override
    public void decimal3(long thousandths) {
        separator();
        line.writeDecimal3(thousandths);
    }

    @Override
    public void absent() {
        separator();
        line.write('-');
    }

    @Override
    public void utcDateAndTime(long epochMillis) {
        clock.set(epochMillis);
        text(clock.date());
        text(clock.time());
    }

    private void separator() {
        if (first) {
            first = false;
        } else {
            line.write('\t');
        }
    }

    private void encode(String value) {
        // Fast path for the plain ASCII that nearly every value is: straight into the array, no checks per byte.
        int length = value.length();
        byte[] b = line.reserve(length);
        int p = line.size();
        int plain = 0;
        while (plain < length) {
            char c = value.charAt(plain);
            if (c <= ' ' || c >= 0x7F || c == '%') {
                break;
            }
            b[p++] = (byte) c;
            plain++;
        }
        line.size(p);
        for (int i = plain; i < length; i++) {
            char c = value.charAt(i);
            if (c > ' ' && c < 0x7F && c != '%') {
                line.write(c);
            } else if (c < 0x80) {
                percent(c);
            } else {
                int codePoint = c;
                if (Character.isHighSurrogate(c) && i + 1 < value.length()
                        && Character.isLowSurrogate(value.charAt(i + 1))) {
                    codePoint = Character.toCodePoint(c, value.charAt(++i));
                } else if (Character.isSurrogate(c)) {
                    codePoint = 0xFFFD;
                }
                utf8(codePoint);
            }
        }
    }

    private void utf8(int codePoint) {
        if (codePoint < 0x800) {
            percent(0xC0 | codePoint >> 6);
        } else if (codePoint < 0x10000) {
            percent(0xE0 | codePoint >> 12);
            percent(0x80 | codePoint >> 6 & 0x3F);
        } else {
            percent(0xF0 | codePoint >> 18);
            percent(0x80 | codePoint >> 12 & 0x3F);
            percent(0x80 | codePoint >> 6 & 0x3F);
        }
        percent(0x80 | codePoint & 0x3F);
    }

    private void percent(int b) {
        line.write('%');
        line.write(HEX[b >> 4 & 0xF]);
        line.write(HEX[b & 0xF]);
    }
}
