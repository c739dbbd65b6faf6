package dev.portcullis.logs;

import java.io.IOException;

/** Where a writer's bytes go: a rotating file or a stream (stdout). Used only by the writer thread. */
interface LogTarget {

    /** Opens (creating if needed); a new, empty file first gets the format's header. */
    void open(long nowMillis) throws IOException;

    boolean isOpen();

    /** Writes all of the bytes, or throws. */
    void write(byte[] bytes, int offset, int length) throws IOException;

    /** Bytes in the open file, header included. */
    long size();

    /** Whether the open file holds anything besides the header this target wrote itself. */
    boolean hasRecords();

    /** When the open file was opened, epoch ms. */
    long openedAt();

    /** Closes the file, shifts the numbered files up by one and opens a new, empty file. */
    void rotate(long nowMillis) throws IOException;

    /** Whether the path now names another file, or none (logrotate moved it, someone deleted it). */
    boolean movedOrDeleted();

    /** Closes quietly; the target can be opened again. */
    void close();
}
