package dev.portcullis.logs;

/** How a log writes its records: one JSON object per line, or the W3C extended log format. */
public enum LogFormat {
    /** JSON lines: one object per line, keys in the record's field order, absent values as {@code null}. */
    JSON,
    /**
     * W3C extended log format as CloudFront writes it: {@code #Version} and {@code #Fields} header lines at the
     * start of every file, tab-separated values, {@code -} for an absent value, unsafe characters percent-encoded.
     */
    W3C
}
