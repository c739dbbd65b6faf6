package dev.portcullis.logs;

import java.nio.charset.StandardCharsets;

/**
 * JSON lines written straight into the line buffer: one object per line, keys in schema order, absent
 * values as {@code null}. Strings are escaped as RFC 8259 requires ({@code "}, {@code \}, control
 * characters); other text is UTF-8, except characters outside the BMP and unpaired surrogates, which are
 * written as {@code \\u} escapes so every string, even a broken one, reads back exactly.
 *
 * <p>Why not a JSON library's generator: the writer thread shares the node's cores, and at tens of
 * thousands of requests a second the generator's own buffer, its copy into the line and its per-field
 * checks cost as much as writing the file. The keys are encoded once, with their comma and colon, and
 * plain ASCII (nearly every value: addresses, ids, cipher names) is copied without a branch per escape
 * rule. The round-trip tests parse every line with Jackson.
 */
final class JsonLineFormatter<T> implements LineFormatter<T>, FieldSink {
    private static final byte[] NO_HEADER = new byte[0];
    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    private final LogSchema<T> schema;
    /** {@code {"name":} for the first field, {@code ,"name":} for the others. */
    private final byte[][] keys;
    /** Where the current {@link #format} call appends. */
    private ByteLine line;
    private final UtcDateTime clock = new UtcDateTime();
    private int field;

    JsonLineFormatter(LogSchema<T> schema) {
        this.schema = schema;
        this.keys = new byte[schema.fieldNames().size()][];
        for (int i = 0; i < keys.length; i++) {
            ByteLine key = new ByteLine(64);
            key.write(i == 0 ? '{' : ',');
            writeString(key, schema.fieldNames().get(i));
            key.write(':');
            keys[i] = java.util.Arrays.copyOf(key.array(), key.size());
        }
    }

    @Override
    public byte[] header() {
        return NO_HEADER;
    }

    @Override
    public void format(T record, ByteLine out) {
        line = out;
        field = 0;
        schema.write(record, this);
        if (field != keys.length) {
            throw new IllegalStateException(schema.name() + " schema wrote " + field + " of " + keys.length + " fields");
        }
        line.write('}');
        line.write('\n');
    }

    @Override
    public void text(String value) {
        key();
        if (value == null) {
            line.write(NULL, 0, NULL.length);
        } else {
            writeString(line, value);
        }
    }

    @Override
    public void number(long value) {
        key();
        line.writeNumber(value);
    }

    @Override
    public void decimal3(long thousandths) {
        key();
        line.writeDecimal3(thousandths);
    }

    @Override
    public void bool(boolean value) {
        key();
        line.writeAscii(value ? "true" : "false");
    }

    @Override
    public void absent() {
        text(null);
    }

    @Override
    public void utcDateAndTime(long epochMillis) {
        clock.set(epochMillis);
        text(clock.date());
        text(clock.time());
    }

    private void key() {
        byte[] key = keys[field++];
        line.write(key, 0, key.length);
    }

    /** {@code value} as a quoted, escaped JSON string. */
    static void writeString(ByteLine out, String value) {
        int length = value.length();
        // Room for the worst case (every char a 6-byte escape), so the loop needs no bounds checks of its own.
        byte[] b = out.reserve(length * 6 + 2);
        int p = out.size();
        b[p++] = '"';
        // Plain ASCII first, in a loop of its own: its store index moves with the loop counter, so the
        // JIT can drop the bounds checks and unroll it. Nearly every value ends here.
        int plain = 0;
        while (plain < length) {
            char c = value.charAt(plain);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                break;
            }
            b[p + plain] = (byte) c;
            plain++;
        }
        p += plain;
        for (int i = plain; i < length; i++) {
            char c = value.charAt(i);
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                b[p++] = (byte) c;
            } else if (c < 0x80) {
                p = escapeAscii(b, p, c);
            } else if (c < 0x800) {
                b[p++] = (byte) (0xC0 | (c >> 6));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                // A pair (a character beyond the BMP) or an unpaired half: escapes keep both exact.
                p = unicodeEscape(b, p, c);
            } else {
                b[p++] = (byte) (0xE0 | (c >> 12));
                b[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        b[p++] = '"';
        out.size(p);
    }

    private static int escapeAscii(byte[] b, int p, char c) {
        char escaped = switch (c) {
            case '"' -> '"';
            case '\\' -> '\\';
            case '\n' -> 'n';
            case '\r' -> 'r';
            case '\t' -> 't';
            case '\b' -> 'b';
            case '\f' -> 'f';
            default -> 0;
        };
        if (escaped == 0) {
            return unicodeEscape(b, p, c);
        }
        b[p] = '\\';
        b[p + 1] = (byte) escaped;
        return p + 2;
    }

    private static int unicodeEscape(byte[] b, int p, char c) {
        b[p] = '\\';
        b[p + 1] = 'u';
        b[p + 2] = HEX[(c >> 12) & 0xF];
        b[p + 3] = HEX[(c >> 8) & 0xF];
        b[p + 4] = HEX[(c >> 4) & 0xF];
        b[p + 5] = HEX[c & 0xF];
        return p + 6;
    }
}
