package dev.portcullis.logs;

import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer thread's side of a log: writes blocks of formatted lines, rotates when a line would cross the
 * size limit or the file is old enough, and counts every record (line) as written or dropped. When the
 * destination cannot be opened or written it logs one line, drops (and counts) records, and tries to open it
 * again once per retry period; it logs one more line when records are written again.
 */
final class BatchWriter {
    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);

    private final String name;
    private final String destination;
    private final LogTarget target;
    private final long rotateBytes;
    private final long rotateIntervalMillis;
    private final Counter written;
    private final Counter dropped;
    private final LongSupplier clock;
    private final long retryMillis;
    private long nextOpenAttempt;
    private boolean failing;
    private long droppedWhileFailing;

    BatchWriter(String name, LogSettings settings, LogTarget target, Counter written,
                Counter dropped, LongSupplier clock, Duration retry) {
        this.name = name;
        this.destination = settings.destination();
        this.target = target;
        this.rotateBytes = settings.rotateBytes();
        this.rotateIntervalMillis = settings.rotateInterval() == null ? 0 : settings.rotateInterval().toMillis();
        this.written = written;
        this.dropped = dropped;
        this.clock = clock;
        this.retryMillis = retry.toMillis();
    }

    /** Opens the destination as soon as the writer starts, so a bad path is reported at startup. */
    void start() {
        openIfClosed(clock.getAsLong());
    }

    /** Writes the blocks' lines in order, rotating between two lines when one would pass the size limit. */
    void write(List<LineBlock> blocks) {
        long now = clock.getAsLong();
        openIfClosed(now);
        if (intervalDue(now)) {
            rotate(now);
        }
        for (LineBlock block : blocks) {
            int from = 0;
            int firstLine = 0;
            if (rotateBytes > 0) {
                int lineStart = 0;
                for (int line = 0; line < block.lines(); line++) {
                    int end = block.lineEnd(line);
                    if (sizeDue(lineStart - from, end - lineStart)) {
                        // This line opens the next file: write the lines before it, rotate, go on from it.
                        writeLines(block, from, lineStart, line - firstLine);
                        rotate(now);
                        from = lineStart;
                        firstLine = line;
                    }
                    lineStart = end;
                }
            }
            writeLines(block, from, block.bytes().size(), block.lines() - firstLine);
        }
    }

    /** Periodic work while idle or busy: retry a failed destination, rotate by age, follow a moved file. */
    void tick() {
        long now = clock.getAsLong();
        if (!target.isOpen()) {
            openIfClosed(now);
        } else if (intervalDue(now)) {
            rotate(now);
        } else if (target.movedOrDeleted()) {
            log.info("{} log {} was moved or deleted; reopening it", name, destination);
            reopen();
        }
    }

    /** Closes and opens the path again (SIGHUP after logrotate, or a moved file noticed by {@link #tick()}). */
    void reopen() {
        target.close();
        nextOpenAttempt = 0;
        openIfClosed(clock.getAsLong());
    }

    void close() {
        target.close();
    }

    /** Whether a line of {@code lineBytes} after {@code before} unwritten bytes would pass the size limit. */
    private boolean sizeDue(int before, int lineBytes) {
        return rotateBytes > 0 && target.isOpen() && (target.hasRecords() || before > 0)
                && target.size() + before + lineBytes > rotateBytes;
    }

    private boolean intervalDue(long now) {
        return rotateIntervalMillis > 0 && target.isOpen() && target.hasRecords()
                && now - target.openedAt() >= rotateIntervalMillis;
    }

    private void rotate(long now) {
        try {
            target.rotate(now);
        } catch (IOException e) {
            target.close();
            failed("cannot rotate", e, now);
        }
    }

    private void openIfClosed(long now) {
        if (target.isOpen() || now < nextOpenAttempt) {
            return;
        }
        try {
            target.open(now);
        } catch (IOException e) {
            failed("cannot open", e, now);
        }
    }

    private void writeLines(LineBlock block, int from, int to, int lines) {
        if (lines == 0) {
            return;
        }
        if (!target.isOpen()) {
            drop(lines);
            return;
        }
        try {
            target.write(block.bytes().array(), from, to - from);
            written.increment(lines);
            recovered();
        } catch (IOException e) {
            target.close();
            failed("cannot write", e, clock.getAsLong());
            drop(lines);
        }
    }

    private void drop(int records) {
        dropped.increment(records);
        if (failing) {
            droppedWhileFailing += records;
        }
    }

    private void failed(String what, IOException e, long now) {
        nextOpenAttempt = now + retryMillis;
        if (!failing) {
            failing = true;
            droppedWhileFailing = 0;
            log.warn("{} log {}: {} ({}); dropping records until it can be written again", name, destination,
                    what, e.toString());
        }
    }

    private void recovered() {
        if (failing) {
            failing = false;
            log.info("{} log {}: writing again; {} records were dropped meanwhile", name, destination,
                    droppedWhileFailing);
        }
    }
}
