package dev.portcullis.logs;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One producer thread's block in progress, and the formatter it formats with. The producer takes the block
 * out while it appends a line ({@link #take}, {@link #putBack}); the writer thread takes it over between two
 * appends ({@link #steal}) when it has waited long enough or a flush asks for it.
 *
 * <p>The slot holds {@code null} while the producer appends, {@link #EMPTY} when there is no block, and the
 * block otherwise. Only the producer ever sets {@code null}, so the writer can tell "being appended to,
 * wait a moment" from "nothing to take".
 */
final class ProducerLines<T> {
    private static final LineBlock EMPTY = new LineBlock(0);

    private final AtomicReference<LineBlock> slot = new AtomicReference<>(EMPTY);
    private final LineFormatter<T> formatter;
    private final Thread owner;

    ProducerLines(LineFormatter<T> formatter, Thread owner) {
        this.formatter = formatter;
        this.owner = owner;
    }

    LineFormatter<T> formatter() {
        return formatter;
    }

    /** Producer: the block to append to, or {@code null} if it has none (the writer took it). */
    LineBlock take() {
        LineBlock block = slot.getAndSet(null);
        return block == EMPTY ? null : block;
    }

    /** Producer: ends an append; {@code null} when the block was handed to the writer. */
    void putBack(LineBlock block) {
        slot.set(block == null ? EMPTY : block);
    }

    /**
     * Writer: takes the block if it holds any line. Waits while the producer is in the middle of an append
     * (a few microseconds, longer only if it was preempted), at most {@code maxWaitNanos}; returns
     * {@code null} if there is nothing to take or the wait ran out (the lines are taken next time).
     */
    LineBlock steal(long maxWaitNanos) {
        long deadline = System.nanoTime() + maxWaitNanos;
        while (true) {
            LineBlock block = slot.get();
            if (block == EMPTY || (block != null && block.lines() == 0)) {
                return null;
            }
            if (block != null) {
                if (slot.compareAndSet(block, EMPTY)) {
                    return block;
                }
            } else if (System.nanoTime() - deadline > 0) {
                return null;
            } else {
                Thread.yield();
            }
        }
    }

    /** Lines waiting in the block; a racy read, for the queue-depth gauge and the bound. */
    int pendingLines() {
        LineBlock block = slot.get();
        return block == null || block == EMPTY ? 0 : block.lines();
    }

    /** Whether this producer's thread has ended and left nothing behind: it can be forgotten. */
    boolean abandoned() {
        return !owner.isAlive() && slot.get() == EMPTY;
    }
}
