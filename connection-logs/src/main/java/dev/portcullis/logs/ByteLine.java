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

    /** Appends a whole number in decimal, with a minus sign when negative, without allocating. */
    void writeNumber(long value) {
        if (value < 0) {
            write('-');
            if (value == Long.MIN_VALUE) {
                writeAscii("9223372036854775808");
                return;
            }
            value = -value;
        }
        writeDigits(value);
    }

    /** Appends the decimal digits of a non-negative number without allocating. */
    void writeDigits(long value) {
        int digits = 1;
        for (long rest = value / 10; rest != 0; rest /= 10) {
            digits++;
        }
        byte[] b = reserve(digits);
        for (int at = size + digits - 1; at >= size; at--) {
            b[at] = (byte) ('0' + (int) (value % 10));
            value /= 10;
        }
        size += digits;
    }

    /** Appends {@code thousandths} as digits, a dot and three digits ({@code 12345} as {@code 12.345}). */
    void writeDecimal3(long thousandths) {
        writeDigits(thousandths / 1000);
        int fraction = (int) (thousandths % 1000);
        byte[] b = reserve(4);
        b[size] = '.';
        b[size + 1] = (byte) ('0' + fraction / 100);
        b[size + 2] = (byte) ('0' + fraction / 10 % 10);
        b[size + 3] = (byte) ('0' + fraction % 10);
        size += 4;
    }

    /** Makes room for {@code extra} more bytes and returns the array to write them into, from {@link #size()}. */
    byte[] reserve(int extra) {
        if (size + extra > bytes.length) {
            grow(extra);
        }
        return bytes;
    }

    /** Sets the size after bytes were written directly into {@link #reserve}'s array. */
    void size(int newSize) {
        if (newSize < 0 || newSize > bytes.length) {
            throw new IndexOutOfBoundsException(newSize);
        }
        size = newSize;
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
