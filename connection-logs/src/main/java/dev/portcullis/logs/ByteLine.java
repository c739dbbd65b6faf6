package dev.portcullis.logs;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte buffer. Unlike {@link java.io.ByteArrayOutputStream} it takes no lock per write, which
 * matters because the W3C formatter writes byte by byte; it is only ever used by one writer thread.
 */
final class ByteLine extends OutputStream {
    private byte[] bytes;
    private int size;

    ByteLine(int initialCapacity) {
        bytes = new byte[initialCapacity];
    }

    @Override
    public void write(int b) {
        if (size == bytes.length) {
            grow(1);
        }
        bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] source, int offset, int length) {
        if (size + length > bytes.length) {
            grow(length);
        }
        System.arraycopy(source, offset, bytes, size, length);
        size += length;
    }

    /** Appends a string whose characters are all ASCII (callers guarantee it). */
    void writeAscii(CharSequence ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            write(ascii.charAt(i));
        }
    }

    /** Appends the decimal digits of a non-negative number without allocating. */
    void writeDigits(long value) {
        if (value >= 10) {
            writeDigits(value / 10);
        }
        write('0' + (int) (value % 10));
    }

    void reset() {
        size = 0;
    }

    int size() {
        return size;
    }

    byte[] array() {
        return bytes;
    }

    private void grow(int needed) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + needed));
    }
}
