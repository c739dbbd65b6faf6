package dev.portcullis.logs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log (connection or access): a bounded queue that Netty event loops {@link #offer} records to, and one
 * daemon thread that drains it in batches, formats them (JSON lines or W3C), writes each batch to the file or
 * stdout and flushes it to the OS (no fsync).
 *
 * <p><b>Overflow:</b> {@code offer} never blocks (one compare-and-set on a bounded ring, {@link RecordQueue}). When
 * {@code queueCapacity} records are already waiting, the NEWEST record (the one being offered) is dropped:
 * older records are never discarded. Every record that is not written, whether refused here, offered after
 * {@link #close()}, or lost because the destination could not be written, increments
 * {@code portcullis.log.records.dropped{log=connection|access}}; every written one increments
 * {@code portcullis.log.records.written}. {@code portcullis.log.queue.depth} shows the waiting records.
 *
 * <p><b>Failures:</b> an unwritable path or a full disk is logged once when it starts and once when records
 * are written again; meanwhile records are dropped and counted and the path is retried about once a second.
 *
 * <p><b>Files:</b> size and/or age rotation with numbered names (see {@link FileTarget}); W3C headers start
 * every new file. {@link #reopen()} (SIGHUP after logrotate) opens the path again, creating it; the writer
 * also notices by itself, about once a second, when the path was renamed or deleted, and reopens.
 */
public final class LogWriter<T> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogWriter.class);
    private static final int BATCH = 4096;
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final Duration REOPEN_WAIT = Duration.ofSeconds(5);

    private final String name;
    private final RecordQueue<T> queue;
    private final AtomicBoolean writerParked = new AtomicBoolean();
    private final AtomicLong reopenRequests = new AtomicLong();
    private final Object progress = new Object();
    private final Counter dropped;
    private final BatchWriter<T> batches;
    private final long checkIntervalNanos;
    /**
     * How long a record may wait before the writer takes it (records are written in batches). Each wake-up
     * costs the node about 25 µs (futex, write, checks) however few records it finds: at 5 ms that was
     * ~5 µs per record at a thousand handshakes a second, per log. 50 ms keeps it near 0.5 µs, and a
     * busy log is still taken early (WAKE_DEPTH); flush() and close() wake the writer at once.
     */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Queue depth at which an offer wakes the writer early. */
    private static final int WAKE_DEPTH = 1024;
    private final Thread thread;
    private volatile long processed;
    private volatile long reopensDone;
    private volatile boolean closing;

    private LogWriter(LogSchema<T> schema, LogSettings settings, MeterRegistry registry, TestHooks hooks) {
        this.name = schema.name();
        this.queue = new RecordQueue<>(settings.queueCapacity());
        LineFormatter<T> formatter = LineFormatter.of(settings.format(), schema);
        LogTarget target = hooks.target != null ? hooks.target
                : settings.isStdout() ? new StreamTarget(hooks.stdout, formatter.header())
                : new FileTarget(settings.file(), formatter.header(), settings.maxFiles());
        this.dropped = Counter.builder("portcullis.log.records.dropped").tag("log", name)
                .description("log records that were not written (queue full, destination unwritable, closed)")
                .register(registry);
        Counter written = Counter.builder("portcullis.log.records.written").tag("log", name)
                .description("log records written to the destination").register(registry);
        Gauge.builder("portcullis.log.queue.depth", queue, RecordQueue::size).tag("log", name)
                .description("log records waiting for the writer thread").register(registry);
        this.checkIntervalNanos = hooks.checkInterval.toNanos();
        this.batches = new BatchWriter<>(name, settings, formatter, target, written, dropped, hooks.clock,
                hooks.checkInterval);
        this.thread = Thread.ofPlatform().name("portcullis-" + name + "-log").daemon(true).unstarted(this::run);
        thread.start();
    }

    /** The connection log described by {@code settings}; its metrics are tagged {@code log=connection}. */
    public static LogWriter<ConnectionRecord> connectionLog(LogSettings settings, MeterRegistry registry) {
        return new LogWriter<>(ConnectionLogSchema.INSTANCE, settings, registry, new TestHooks());
    }

    /** The access log described by {@code settings}; its metrics are tagged {@code log=access}. */
    public static LogWriter<AccessRecord> accessLog(LogSettings settings, MeterRegistry registry) {
        return new LogWriter<>(AccessLogSchema.INSTANCE, settings, registry, new TestHooks());
    }

    static <T> LogWriter<T> start(LogSchema<T> schema, LogSettings settings, MeterRegistry registry,
                                  TestHooks hooks) {
        return new LogWriter<>(schema, settings, registry, hooks);
    }

    /**
     * Queues a record for writing; never blocks. Returns {@code false}, and counts the record as dropped,
     * when the queue is full or the writer is closed.
     */
    public boolean offer(T record) {
        Objects.requireNonNull(record, "record");
        if (closing) {
            dropped.increment();
            return false;
        }
        if (!queue.offer(record)) {
            dropped.increment();
            return false;
        }
        // The writer wakes by itself every LINGER to take what queued up; waking it per record would
        // cost the calling event loop a futex call and a context switch per request. Only a queue that
        // fills faster than that gets an early wake-up.
        if (writerParked.get() && queue.size() >= WAKE_DEPTH && writerParked.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
        return true;
    }

    /**
     * Waits until every record accepted before this call has been written (or dropped because the
     * destination failed). Returns {@code false} if that took longer than {@code timeout}.
     */
    public boolean flush(Duration timeout) {
        long target = queue.accepted();
        LockSupport.unpark(thread);
        return awaitProgress(() -> processed >= target, timeout);
    }

    /**
     * Closes and reopens the file, creating it if logrotate (or anyone) moved or deleted it. Runs on the
     * writer thread; returns {@code true} once done, {@code false} if that took more than a few seconds.
     * Does nothing for stdout.
     */
    public boolean reopen() {
        long ticket = reopenRequests.incrementAndGet();
        LockSupport.unpark(thread);
        return awaitProgress(() -> reopensDone >= ticket, REOPEN_WAIT);
    }

    /** Records waiting for the writer thread. */
    public int queued() {
        return queue.size();
    }

    /**
     * Writes every queued record, closes the destination and stops the thread, waiting at most ten seconds
     * (a hung disk must not hang shutdown). Later offers are refused and counted as dropped.
     */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("{} log: writer did not finish within {}; {} records may be lost", name, CLOSE_WAIT,
                    queue.size());
            return;
        }
        // An offer that raced with close() may have queued after the writer's last look: count it.
        dropped.increment(queue.size());
    }

    private void run() {
        batches.start();
        List<T> batch = new ArrayList<>(BATCH);
        long nextCheck = System.nanoTime() + checkIntervalNanos;
        while (true) {
            serveReopen();
            int taken = queue.drainTo(batch, BATCH);
            if (taken > 0) {
                writeGuarded(batch);
                completed(batch.size());
                batch.clear();
            }
            if (System.nanoTime() - nextCheck >= 0) {
                batches.tick();
                nextCheck = System.nanoTime() + checkIntervalNanos;
            }
            if (queue.isEmpty()) {
                if (closing) {
                    break;
                }
                park(Math.min(nextCheck - System.nanoTime(), LINGER_NANOS));
            } else if (taken == 0) {
                // The next slot is claimed but not filled: its producer was preempted between the two
                // steps. On a shared core, spinning would only delay it.
                Thread.yield();
            }
        }
        batches.close();
    }

    /** A bug below must not kill the thread: the queue would fill and every later record would be lost. */
    private void writeGuarded(List<T> batch) {
        try {
            batches.write(batch);
        } catch (RuntimeException e) {
            dropped.increment(batch.size());
            log.error("{} log: unexpected failure writing {} records ({}); they are dropped", name, batch.size(),
                    e.toString());
        }
    }

    private void park(long nanos) {
        writerParked.set(true);
        // Re-check after announcing: an offer that saw writerParked false has already queued its record.
        if (queue.isEmpty() && !closing && reopenRequests.get() == reopensDone && nanos > 0) {
            LockSupport.parkNanos(this, nanos);
        }
        writerParked.set(false);
    }

    private void serveReopen() {
        long requested = reopenRequests.get();
        if (requested != reopensDone) {
            batches.reopen();
            reopensDone = requested;
            signalProgress();
        }
    }

    private void completed(int records) {
        processed += records;
        signalProgress();
    }

    private void signalProgress() {
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    private boolean awaitProgress(BooleanSupplier done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (!done.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !thread.isAlive()) {
                    return done.getAsBoolean();
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(progress, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    /** Seams for tests: a target that blocks, a controllable clock, a faster check interval. */
    static final class TestHooks {
        LogTarget target;
        OutputStream stdout = System.out;
        LongSupplier clock = System::currentTimeMillis;
        Duration checkInterval = CHECK_INTERVAL;
    }
}
