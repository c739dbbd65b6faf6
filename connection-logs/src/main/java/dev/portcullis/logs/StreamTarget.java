package dev.portcullis.logs;

import java.io.IOException;
import java.io.OutputStream;

/** Standard output (or any stream): the header once, then batches, flushed each time; never rotated. */
final class StreamTarget implements LogTarget {
    private final OutputStream out;
    private final byte[] header;
    private boolean open;
    private boolean headerWritten;
    private long openedAt;

    StreamTarget(OutputStream out, byte[] header) {
        this.out = out;
        this.header = header;
    }

    @Override
    public void open(long nowMillis) throws IOException {
        if (!headerWritten) {
            write(header, 0, header.length);
            headerWritten = true;
        }
        open = true;
        openedAt = nowMillis;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        out.write(bytes, offset, length);
        out.flush();
    }

    @Override
    public long size() {
        return 0;
    }

    @Override
    public boolean hasRecords() {
        return false;
    }

    @Override
    public long openedAt() {
        return openedAt;
    }

    @Override
    public void rotate(long nowMillis) {
        // Settings refuse rotation for stdout.
    }

    @Override
    public boolean movedOrDeleted() {
        return false;
    }

    @Override
    public void close() {
        open = false;
        try {
            out.flush();
        } catch (IOException ignored) {
            // stdout gone; the next write reports it
        }
    }
}
