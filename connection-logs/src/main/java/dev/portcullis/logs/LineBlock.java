package dev.portcullis.logs;

import java.util.Arrays;

/**
 * Finished log lines, formatted by one producer thread, on their way to the writer thread: the bytes of
 * whole lines and where each line ends (so the writer can rotate a file between two lines of a block).
 * Owned by one thread at a time, handed over through volatile accesses; never shared while written.
 */
final class LineBlock {
    /** A block this full is handed to the writer: large enough that one write call carries ~200 lines. */
    static final int FULL_BYTES = 128 * 1024;

    private final ByteLine bytes;
    private int[] lineEnds = new int[256];
    private int lines;
    /** Orders blocks across producers: the writer writes each producer's blocks in the order they began. */
    private long sequence;

    LineBlock() {
        this(FULL_BYTES + 4096);
    }

    /** A block with room for {@code capacity} bytes before it grows (0 for a marker that holds no lines). */
    LineBlock(int capacity) {
        bytes = new ByteLine(capacity);
    }

    ByteLine bytes() {
        return bytes;
    }

    /** Marks the bytes written since the previous line as one more line. */
    void endLine() {
        if (lines == lineEnds.length) {
            lineEnds = Arrays.copyOf(lineEnds, lines * 2);
        }
        lineEnds[lines++] = bytes.size();
    }

    /** Cuts off a line that failed half-way: back to the end of the last whole line. */
    void discardPartialLine() {
        bytes.size(lines == 0 ? 0 : lineEnds[lines - 1]);
    }

    int lines() {
        return lines;
    }

    /** Where line {@code index} ends (exclusive). */
    int lineEnd(int index) {
        return lineEnds[index];
    }

    boolean isFull() {
        return bytes.size() >= FULL_BYTES;
    }

    long sequence() {
        return sequence;
    }

    /** Empties the block for reuse; {@code sequence} places it among the blocks of all producers. */
    LineBlock reset(long sequence) {
        bytes.reset();
        lines = 0;
        this.sequence = sequence;
        return this;
    }
}
