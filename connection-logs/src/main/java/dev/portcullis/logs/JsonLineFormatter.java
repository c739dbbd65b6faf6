package dev.portcullis.logs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON lines through jackson-core's streaming generator (its escaping is the proven part): one object per
 * line, keys in schema order, absent values as {@code null}. Non-ASCII text is written as UTF-8, except
 * characters outside the BMP, which become a pair of {@code \\u} escapes: jackson's
 * {@code COMBINE_UNICODE_SURROGATES_IN_UTF8} would write them as 4-byte UTF-8 but (2.20) merges an unpaired
 * surrogate with the next character, silently changing the text; escapes keep every string exact.
 */
final class JsonLineFormatter<T> implements LineFormatter<T>, FieldSink {
    private static final JsonFactory FACTORY = new JsonFactoryBuilder()
            .disable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamWriteFeature.FLUSH_PASSED_TO_STREAM)
            .rootValueSeparator((String) null)
            .build();
    private static final byte[] NO_HEADER = new byte[0];

    private final LogSchema<T> schema;
    private final SerializedString[] names;
    private final ByteLine line = new ByteLine(1024);
    private final UtcDateTime clock = new UtcDateTime();
    private final char[] scratch = new char[32];
    private JsonGenerator generator;
    private int field;

    JsonLineFormatter(LogSchema<T> schema) {
        this.schema = schema;
        this.names = schema.fieldNames().stream().map(SerializedString::new).toArray(SerializedString[]::new);
        this.generator = newGenerator();
    }

    @Override
    public byte[] header() {
        return NO_HEADER;
    }

    @Override
    public ByteLine format(T record) throws IOException {
        line.reset();
        field = 0;
        try {
            generator.writeStartObject();
            schema.write(record, this);
            generator.writeEndObject();
            generator.writeRaw('\n');
            generator.flush();
        } catch (IOException | RuntimeException e) {
            // The generator is mid-object now; start afresh so the next record is not corrupted.
            generator = newGenerator();
            line.reset();
            throw e;
        }
        return line;
    }

    @Override
    public void text(String value) {
        try {
            generator.writeFieldName(names[field++]);
            if (value == null) {
                generator.writeNull();
            } else {
                generator.writeString(value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void number(long value) {
        try {
            generator.writeFieldName(names[field++]);
            generator.writeNumber(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void decimal3(long thousandths) {
        try {
            generator.writeFieldName(names[field++]);
            generator.writeNumber(scratch, 0, FieldSink.formatDecimal3(thousandths, scratch));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

    private JsonGenerator newGenerator() {
        try {
            return FACTORY.createGenerator(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
