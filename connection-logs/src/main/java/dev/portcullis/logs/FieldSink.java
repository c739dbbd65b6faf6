package dev.portcullis.logs;

/**
 * Receives a record's values in field order. A {@link LogSchema} calls it once per field (twice for
 * {@link #utcDateAndTime}); the JSON and W3C formatters implement it, so a record is walked without reflection
 * and the field order lives in exactly one place.
 */
interface FieldSink {

    /** A text value; {@code null} is written as absent. */
    void text(String value);

    /** A whole number. */
    void number(long value);

    /**
     * A non-negative decimal with exactly three fraction digits, given in thousandths: 12345 is written
     * {@code 12.345}. Keeps durations in fixed notation (no {@code 1.0E-4}) in both formats.
     */
    void decimal3(long thousandths);

    /** {@code true} or {@code false} (bare in JSON, as the word in W3C). */
    void bool(boolean value);

    /** An absent value: {@code null} in JSON, {@code -} in W3C. */
    void absent();

    /** Two fields, {@code yyyy-MM-dd} and {@code HH:mm:ss} in UTC, as CloudFront's {@code date} and {@code time}. */
    void utcDateAndTime(long epochMillis);
}
