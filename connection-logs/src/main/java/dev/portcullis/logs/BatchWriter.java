package dev.portcullis.logs;

import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer thread's side of a log: formats a batch into one buffer, rotates when a record would cross the
 * size limit or the file is old enough, writes, and counts every record as written or dropped. When the
 * destination cannot be opened or written it logs one line, drops (and counts) records, and tries to open it
 * again once per retry period; it logs one more line when records are written again.
 */
final class BatchWriter<T> {
    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);
    /** Larger batches are written in pieces of about this size, so memory stays bounded. */
    private static final int CHUNK_BYTES = 256 * 1024;

    private final String name;
    private final String destination;
    private final LineFormatter<T> formatter;
    private final LogTarget target;
    private final long rotateBytes;
    private final long rotateIntervalMillis;
    private final Counter written;
    private final Counter dropped;
    private final LongSupplier clock;
    private final long retryMillis;
    private final ByteLine chunk = new ByteLine(CHUNK_BYTES + 4096);
    private int pending;
    private long nextOpenAttempt;
    private boolean failing;
    private long droppedWhileFailing;
    private boolean formatFailureLogged;

    BatchWriter(String name, LogSettings settings, LineFormatter<T> formatter, LogTarget target, Counter written,
                Counter dropped, LongSupplier clock, Duration retry) {
        this.name = name;
        this.destination = settings.destination();
        this.formatter = formatter;
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

    void write(List<T> records) {
        long now = clock.getAsLong();
        openIfClosed(now);
        if (intervalDue(now)) {
            rotate(now);
        }
        for (T record : records) {
            int start = chunk.size();
            if (!format(record)) {
                chunk.size(start);
                continue;
            }
            int lineBytes = chunk.size() - start;
            if (sizeDue(start, lineBytes)) {
                // The new line opens the next file: write the lines before it, rotate, keep it.
                chunk.size(start);
                writeChunk();
                rotate(now);
                System.arraycopy(chunk.array(), start, chunk.array(), 0, lineBytes);
                chunk.size(lineBytes);
            }
            pending++;
            if (chunk.size() >= CHUNK_BYTES) {
                writeChunk();
            }
        }
        writeChunk();
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
        writeChunk();
        target.close();
    }

    /** Appends the record's line to the chunk; false (the record counted as dropped) if it cannot be formatted. */
    private boolean format(T record) {
        try {
            formatter.format(record, chunk);
            return true;
        } catch (IOException | RuntimeException e) {
            // A bug, not an I/O state: say it once, keep the record count honest.
            if (!formatFailureLogged) {
                formatFailureLogged = true;
                log.error("{} log {}: cannot format a record ({}); dropping such records", name, destination,
                        e.toString());
            }
            dropped.increment();
            return false;
        }
    }

    /** Whether a line of {@code lineBytes} after {@code before} bytes of the chunk would pass the size limit. */
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

    private void writeChunk() {
        if (pending == 0) {
            return;
        }
        if (!target.isOpen()) {
            drop(pending);
        } else {
            try {
                target.write(chunk.array(), 0, chunk.size());
                written.increment(pending);
                recovered();
            } catch (IOException e) {
                target.close();
                failed("cannot write", e, clock.getAsLong());
                drop(pending);
            }
        }
        chunk.reset();
        pending = 0;
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
