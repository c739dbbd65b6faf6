package dev.portcullis.logs;

import java.time.Duration;
import java.util.List;

/**
 * What one kind of log holds: its metric tag, its field names in order, and how a record's values are
 * handed to a {@link FieldSink} in that same order. Implementations are stateless singletons.
 */
interface LogSchema<T> {

    /** The {@code log} tag of this log's metrics and the name used in its messages. */
    String name();

    /** Field names in output order: JSON keys and the W3C {@code #Fields} line. */
    List<String> fieldNames();

    /** Hands every field of {@code record} to {@code sink}, in the order of {@link #fieldNames()}. */
    void write(T record, FieldSink sink);

    /** A port or status, absent when unknown (0). */
    static void positive(FieldSink sink, int value) {
        if (value > 0) {
            sink.number(value);
        } else {
            sink.absent();
        }
    }

    /** A count that is absent when negative. */
    static void count(FieldSink sink, long value) {
        if (value >= 0) {
            sink.number(value);
        } else {
            sink.absent();
        }
    }

    /** A duration in milliseconds with three decimals (microsecond resolution), or absent. */
    static void millis(FieldSink sink, Duration duration) {
        if (duration == null || duration.isNegative()) {
            sink.absent();
        } else {
            sink.decimal3(roundedDiv(duration, 1_000));
        }
    }

    /** A duration in seconds with three decimals (millisecond resolution), or absent. */
    static void seconds(FieldSink sink, Duration duration) {
        if (duration == null || duration.isNegative()) {
            sink.absent();
        } else {
            sink.decimal3(roundedDiv(duration, 1_000_000));
        }
    }

    private static long roundedDiv(Duration duration, long nanosPerUnit) {
        long nanos = duration.getSeconds() > 1_000_000_000L ? Long.MAX_VALUE / 2 : duration.toNanos();
        return (nanos + nanosPerUnit / 2) / nanosPerUnit;
    }
}
