package dev.portcullis.logs;

import dev.portcullis.config.PercentEncoding;
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
    public void bool(boolean value) {
        separator();
        line.writeAscii(value ? "true" : "false");
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
        if (plain < length) {
            PercentEncoding.encode(value, plain, PercentEncoding.VISIBLE, line::write);
        }
    }
}
