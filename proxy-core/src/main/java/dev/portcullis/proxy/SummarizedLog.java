package dev.portcullis.proxy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * One log line per event until a flood: per key (a failure code, an origin), the first
 * {@code perWindow} events of each window are logged as they come; the rest are counted, and the
 * first event of a later window logs how many were left out. A flood of 80,000 refused handshakes
 * thus writes a few lines, not 80,000 (the connection log still has every one).
 */
public final class SummarizedLog {
    private final Logger log;
    private final boolean warn;
    private final int perWindow;
    private final long windowNanos;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

    public SummarizedLog(Logger log, boolean warn, int perWindow, long window, TimeUnit unit) {
        this(log, warn, perWindow, window, unit, System::nanoTime);
    }

    /** @param clock nanoseconds, as {@link System#nanoTime()} (tests pass their own) */
    SummarizedLog(Logger log, boolean warn, int perWindow, long window, TimeUnit unit, LongSupplier clock) {
        this.clock = clock;
        this.log = log;
        this.warn = warn;
        this.perWindow = perWindow;
        this.windowNanos = unit.toNanos(window);
    }

    /** Logs {@code format} unless this key's window is full; then counts it for the summary line. */
    public void log(String key, String format, Object... args) {
        if (!(warn ? log.isWarnEnabled() : log.isInfoEnabled())) {
            return;
        }
        long now = clock.getAsLong();
        Window window = windows.computeIfAbsent(key, k -> new Window(now));
        long start = window.start.get();
        if (now - start >= windowNanos && window.start.compareAndSet(start, now)) {
            long left = window.suppressed.getAndSet(0);
            window.logged.set(0);
            if (left > 0) {
                emit("{} more like the next line ({}) in the last {} s were not logged", left, key,
                        TimeUnit.NANOSECONDS.toSeconds(now - start));
            }
        }
        if (window.logged.incrementAndGet() <= perWindow) {
            emit(format, args);
        } else {
            window.suppressed.incrementAndGet();
        }
    }

    private void emit(String format, Object... args) {
        if (warn) {
            log.warn(format, args);
        } else {
            log.info(format, args);
        }
    }

    private static final class Window {
        final AtomicLong start;
        final AtomicLong logged = new AtomicLong();
        final AtomicLong suppressed = new AtomicLong();

        Window(long start) {
            this.start = new AtomicLong(start);
        }
    }
}
