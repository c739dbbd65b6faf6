package dev.portcullis.logs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log (connection or access). The thread that {@link #offer}s a record (a Netty event loop) formats it
 * at once, while its values are still in that core's cache, into a block of lines of its own; full blocks go
 * to the log's daemon writer thread through a {@link ConcurrentLinkedQueue}, and the writer takes over partly filled blocks
 * itself once they have waited {@code LINGER} (50 ms). Only the writer thread touches the file or stdout:
 * it writes whole blocks and flushes them to the OS (no fsync).
 *
 * <p>Why format on the offering thread: formatted on the writer, up to 50 ms later, a record's strings had
 * left the cache, and the misses cost more than the formatting itself: the writer took ~1 µs per record
 * (microbench's AccessWriterCost) for formatting that takes 0.3 µs with the values in cache. Now the
 * event loop pays ~0.4 µs and the writer ~0.35 µs, nearly all of it the kernel's copy into the file. An offer
 * still never blocks, and never waits for the writer: it appends to its own block, and hands a full one over.
 *
 * <p>Why a plain {@link ConcurrentLinkedQueue} for the hand-over: what it carries are blocks of hundreds of
 * lines, so its node allocation per element is nothing per record, and an element it accepted is at once
 * visible to the consumer. A ring whose producers claim a slot and fill it afterwards (the hand-off this
 * replaced) has claimed-but-unfilled slots, which the writer had to detect and work around to keep each
 * producer's lines in order. The bound on waiting records is {@code queuedLines}, counted in lines.
 *
 * <p><b>Lifecycle:</b> the constructor starts nothing; {@link #start()} starts the writer thread. The
 * factories {@link #connectionLog} and {@link #accessLog} return started writers.
 *
 * <p><b>Overflow:</b> when {@code queueCapacity} records already wait in full blocks (plus the offering
 * thread's own block in progress), the NEWEST record (the one being offered) is dropped: older records are
 * never discarded. Every record that is not written, whether refused here, impossible to format, offered
 * after {@link #close()}, or lost because the destination could not be written, increments
 * {@code portcullis.log.records.dropped{log=connection|access}}; every written one increments
 * {@code portcullis.log.records.written}. {@code portcullis.log.queue.depth} shows the waiting records.
 *
 * <p><b>Order:</b> each thread's records are written in the order it offered them; records of different
 * event loops interleave block by block (a few hundred lines), not strictly by time.
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
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final Duration REOPEN_WAIT = Duration.ofSeconds(5);
    /**
     * How long a record may wait in its producer's block before the writer takes the block over. Each
     * wake-up costs the node some 25 µs (futex, write, checks) however few records it finds: at 5 ms that
     * was ~5 µs per record at a thousand handshakes a second, per log. 50 ms keeps it near 0.5 µs; full
     * blocks go to the writer at once and a busy log wakes it early (WAKE_LINES); flush() and close()
     * take every block at once.
     */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    /** Lines waiting in full blocks at which a hand-over wakes the writer early. */
    private static final int WAKE_LINES = 1024;
    /** How long the writer waits for a producer to finish the line it is appending before moving on. */
    private static final long STEAL_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** Emptied blocks kept for reuse (each ~130 KB), so a busy log does not allocate and zero new ones. */
    private static final int SPARE_BLOCKS = 32;
    private static final Comparator<LineBlock> IN_ORDER_BEGUN = Comparator.comparingLong(LineBlock::sequence);

    private final String name;
    private final int capacity;
    private final LogSchema<T> schema;
    private final LogFormat format;
    private final ThreadLocal<ProducerLines<T>> ownLines = ThreadLocal.withInitial(this::register);
    private final List<ProducerLines<T>> producers = new CopyOnWriteArrayList<>();
    private final Queue<LineBlock> fullBlocks = new ConcurrentLinkedQueue<>();
    /** Lines in full blocks handed over and not yet written: with each producer's own block, the bound. */
    private final AtomicLong queuedLines = new AtomicLong();
    private final AtomicLong blocksBegun = new AtomicLong();
    private final Queue<LineBlock> spareBlocks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean formatFailureLogged = new AtomicBoolean();
    private final AtomicBoolean writerParked = new AtomicBoolean();
    private final AtomicLong flushRequests = new AtomicLong();
    private final AtomicLong reopenRequests = new AtomicLong();
    private final Object progress = new Object();
    private final Counter dropped;
    private final BatchWriter batches;
    private final long checkIntervalNanos;
    private final Thread thread;
    private volatile long flushesDone;
    private volatile long reopensDone;
    private volatile boolean closing;

    /**
     * A writer of {@code schema}'s records to {@code target}; {@code clock} (epoch ms) decides rotation by
     * age, and {@code checkInterval} how often the writer looks at the file (moved, deleted, unwritable,
     * due for rotation). Starts nothing: see {@link #start()}.
     */
    LogWriter(LogSchema<T> schema, LogSettings settings, MeterRegistry registry, LogTarget target,
              LongSupplier clock, Duration checkInterval) {
        this.name = schema.name();
        this.schema = schema;
        this.format = settings.format();
        this.capacity = settings.queueCapacity();
        this.dropped = Counter.builder("portcullis.log.records.dropped").tag("log", name)
                .description("log records that were not written (queue full, destination unwritable, closed)")
                .register(registry);
        Counter written = Counter.builder("portcullis.log.records.written").tag("log", name)
                .description("log records written to the destination").register(registry);
        Gauge.builder("portcullis.log.queue.depth", this, LogWriter::queued).tag("log", name)
                .description("log records waiting for the writer thread").register(registry);
        this.checkIntervalNanos = checkInterval.toNanos();
        this.batches = new BatchWriter(name, settings, target, written, dropped, clock, checkInterval);
        this.thread = Thread.ofPlatform().name("portcullis-" + name + "-log").daemon(true).unstarted(this::run);
    }

    /** The connection log described by {@code settings}, started; its metrics are tagged {@code log=connection}. */
    public static LogWriter<ConnectionRecord> connectionLog(LogSettings settings, MeterRegistry registry) {
        return ofSettings(ConnectionLogSchema.INSTANCE, settings, registry).start();
    }

    /** The access log described by {@code settings}, started; its metrics are tagged {@code log=access}. */
    public static LogWriter<AccessRecord> accessLog(LogSettings settings, MeterRegistry registry) {
        return ofSettings(AccessLogSchema.INSTANCE, settings, registry).start();
    }

    private static <T> LogWriter<T> ofSettings(LogSchema<T> schema, LogSettings settings, MeterRegistry registry) {
        return new LogWriter<>(schema, settings, registry, targetFor(settings, schema, System.out),
                System::currentTimeMillis, CHECK_INTERVAL);
    }

    /** The destination {@code settings} name: the rotating file, or {@code stdout} for "stdout". */
    static LogTarget targetFor(LogSettings settings, LogSchema<?> schema, OutputStream stdout) {
        byte[] header = LineFormatter.of(settings.format(), schema).header();
        return settings.isStdout() ? new StreamTarget(stdout, header)
                : new FileTarget(settings.file(), header, settings.maxFiles());
    }

    /** Starts the writer thread; call once, before offering. Returns this writer. */
    public LogWriter<T> start() {
        thread.start();
        return this;
    }

    /**
     * Formats the record into the calling thread's block of lines; never blocks. Returns {@code false}, and
     * counts the record as dropped, when the queue is full, the writer is closed or the record cannot be
     * formatted (a bug: logged once).
     */
    public boolean offer(T record) {
        Objects.requireNonNull(record, "record");
        if (closing) {
            dropped.increment();
            return false;
        }
        ProducerLines<T> lines = ownLines.get();
        LineBlock block = lines.take();
        try {
            if (block == null) {
                block = newBlock();
            }
            if (queuedLines.get() + block.lines() >= capacity) {
                dropped.increment();
                return false;
            }
            if (!format(lines.formatter(), record, block)) {
                return false;
            }
            if (block.isFull()) {
                handOver(block);
                block = null;
            }
            return true;
        } finally {
            lines.putBack(block);
        }
    }

    /**
     * Waits until every record offered before this call has been written (or dropped because the
     * destination failed). Returns {@code false} if that took longer than {@code timeout}.
     */
    public boolean flush(Duration timeout) {
        long ticket = flushRequests.incrementAndGet();
        LockSupport.unpark(thread);
        return awaitProgress(() -> flushesDone >= ticket, timeout);
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

    /** Records waiting for the writer thread (in full blocks and in the producers' blocks in progress). */
    public int queued() {
        long waiting = queuedLines.get();
        for (ProducerLines<T> producer : producers) {
            waiting += producer.pendingLines();
        }
        return (int) Math.min(Integer.MAX_VALUE, waiting);
    }

    /**
     * Writes every waiting record, closes the destination and stops the thread, waiting at most ten seconds
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
                    queued());
            return;
        }
        // An offer that raced with close() may have added a line after the writer's last look: count it.
        dropped.increment(queued());
    }

    private ProducerLines<T> register() {
        ProducerLines<T> lines = new ProducerLines<>(LineFormatter.of(format, schema), Thread.currentThread());
        producers.add(lines);
        return lines;
    }

    private LineBlock newBlock() {
        LineBlock spare = spareBlocks.poll();
        return (spare != null ? spare : new LineBlock()).reset(blocksBegun.incrementAndGet());
    }

    /** Appends the record's line; on failure cuts off what was written of it and counts it as dropped. */
    private boolean format(LineFormatter<T> formatter, T record, LineBlock block) {
        try {
            formatter.format(record, block.bytes());
            block.endLine();
            return true;
        } catch (IOException | RuntimeException e) {
            block.discardPartialLine();
            dropped.increment();
            // A bug, not an I/O state: say it once, keep the record count honest.
            if (formatFailureLogged.compareAndSet(false, true)) {
                log.error("{} log: cannot format a record ({}); dropping such records", name, e.toString());
            }
            return false;
        }
    }

    private void handOver(LineBlock block) {
        long waiting = queuedLines.addAndGet(block.lines());
        fullBlocks.offer(block);
        // The writer wakes by itself every LINGER; waking it per block would cost the event loop a futex
        // call and a context switch. Only a log that fills faster than that wakes it early.
        if (waiting >= WAKE_LINES && writerParked.get() && writerParked.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
    }

    private void run() {
        batches.start();
        List<LineBlock> blocks = new ArrayList<>();
        long nextCheck = System.nanoTime() + checkIntervalNanos;
        long nextSweep = System.nanoTime() + LINGER_NANOS;
        while (true) {
            serveReopen();
            long flushTicket = flushRequests.get();
            boolean closingSeen = closing;
            boolean sweep = closingSeen || flushTicket != flushesDone || System.nanoTime() - nextSweep >= 0;
            if (sweep) {
                takePartialBlocks(blocks);
                nextSweep = System.nanoTime() + LINGER_NANOS;
            }
            // Drained after the sweep: a producer handed its earlier full blocks over before it began the
            // block swept from it, so they are in the queue by now, and sorting by when each block was
            // begun writes every producer's lines in order. The drain ends: producers stop handing over
            // once `capacity` lines wait, and queuedLines falls only below.
            long fromQueue = 0;
            for (LineBlock block; (block = fullBlocks.poll()) != null; ) {
                blocks.add(block);
                fromQueue += block.lines();
            }
            queuedLines.addAndGet(-fromQueue);
            if (!blocks.isEmpty()) {
                blocks.sort(IN_ORDER_BEGUN);
                writeGuarded(blocks);
                recycle(blocks);
                blocks.clear();
            }
            if (sweep && flushTicket != flushesDone) {
                flushesDone = flushTicket;
                signalProgress();
            }
            if (System.nanoTime() - nextCheck >= 0) {
                batches.tick();
                nextCheck = System.nanoTime() + checkIntervalNanos;
            }
            if (fullBlocks.isEmpty()) {
                if (closingSeen && sweep) {
                    break;
                }
                long now = System.nanoTime();
                park(Math.min(nextCheck - now, nextSweep - now));
            }
        }
        batches.close();
    }

    /** Takes over every producer's block in progress that holds lines; forgets threads that have ended. */
    private void takePartialBlocks(List<LineBlock> into) {
        for (ProducerLines<T> producer : producers) {
            LineBlock block = producer.steal(STEAL_WAIT_NANOS);
            if (block != null) {
                into.add(block);
            }
        }
        producers.removeIf(ProducerLines::abandoned);
    }

    /** A bug below must not kill the thread: the blocks would pile up and every later record would be lost. */
    private void writeGuarded(List<LineBlock> blocks) {
        try {
            batches.write(blocks);
        } catch (RuntimeException e) {
            long lines = blocks.stream().mapToLong(LineBlock::lines).sum();
            dropped.increment(lines);
            log.error("{} log: unexpected failure writing {} records ({}); they are dropped", name, lines,
                    e.toString());
        }
    }

    private void recycle(List<LineBlock> blocks) {
        for (LineBlock block : blocks) {
            if (spareBlocks.size() < SPARE_BLOCKS) {
                spareBlocks.offer(block);
            }
        }
    }

    private void park(long nanos) {
        writerParked.set(true);
        // Re-check after announcing: a hand-over that saw writerParked false has already queued its block.
        if (fullBlocks.isEmpty() && !closing && reopenRequests.get() == reopensDone
                && flushRequests.get() == flushesDone && nanos > 0) {
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
}
