package dev.portcullis.logs;

import java.io.IOException;

/**
 * Turns records into complete lines. One instance per writer thread: it keeps state between the fields of
 * a line, so it is not thread-safe.
 */
interface LineFormatter<T> {

    /** Bytes that start every new file (W3C directives); empty for JSON lines. */
    byte[] header();

    /**
     * Appends the record to {@code out} as one line ending in {@code \n}. Straight into the writer's batch:
     * a line formatted elsewhere would be copied once more. On an exception {@code out} may hold part of a
     * line; the caller cuts it off.
     */
    void format(T record, ByteLine out) throws IOException;

    static <T> LineFormatter<T> of(LogFormat format, LogSchema<T> schema) {
        return switch (format) {
            case JSON -> new JsonLineFormatter<>(schema);
            case W3C -> new W3cLineFormatter<>(schema);
        };
    }
}
