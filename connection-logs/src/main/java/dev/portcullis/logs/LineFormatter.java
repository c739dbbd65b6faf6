package dev.portcullis.logs;

import java.io.IOException;

/**
 * Turns records into complete lines. One instance per writer thread: it reuses its buffers, so it is not
 * thread-safe and a returned line is valid only until the next call.
 */
interface LineFormatter<T> {

    /** Bytes that start every new file (W3C directives); empty for JSON lines. */
    byte[] header();

    /** The record as one line ending in {@code \n}. */
    ByteLine format(T record) throws IOException;

    static <T> LineFormatter<T> of(LogFormat format, LogSchema<T> schema) {
        return switch (format) {
            case JSON -> new JsonLineFormatter<>(schema);
            case W3C -> new W3cLineFormatter<>(schema);
        };
    }
}
