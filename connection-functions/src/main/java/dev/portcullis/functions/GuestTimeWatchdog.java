package dev.portcullis.functions;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Cuts an invocation off when it has used its timeout of <em>guest time</em>: the CPU time of the
 * thread running it, not the wall clock. On a busy two-core node a 5 ms function can be descheduled
 * or paused by a GC for longer than 5 ms without using 5 ms of CPU; a wall-clock limit would then
 * deny well-behaved clients at random. A wall-clock cap (20 times the timeout, at least 100 ms, at
 * most 1 s) still bounds how long one handshake can wait, well before the handshake timeout.
 * Must be created on the thread that runs the invocation.
 */
final class GuestTimeWatchdog {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_TIME = THREADS.isCurrentThreadCpuTimeSupported() && THREADS.isThreadCpuTimeSupported();

    private final ScheduledExecutorService scheduler;
    private final long limitNanos;
    private final long wallDeadline;
    private final long threadId = Thread.currentThread().threadId();
    private final long cpuStart;
    private final Runnable cutOff;
    private final BooleanSupplier finished;
    private final AtomicReference<ScheduledFuture<?>> pending = new AtomicReference<>();

    GuestTimeWatchdog(ScheduledExecutorService scheduler, Duration timeout, long startNanos,
                      Runnable cutOff, BooleanSupplier finished) {
        this.scheduler = scheduler;
        this.limitNanos = timeout.toNanos();
        long cap = Math.min(Math.max(limitNanos * 20, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.SECONDS.toNanos(1));
        this.wallDeadline = startNanos + Math.max(cap, limitNanos);
        this.cpuStart = CPU_TIME ? THREADS.getCurrentThreadCpuTime() : 0;
        this.cutOff = cutOff;
        this.finished = finished;
        schedule(limitNanos);
    }

    private void schedule(long delayNanos) {
        pending.set(scheduler.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS));
    }

    private void check() {
        if (finished.getAsBoolean()) {
            return;
        }
        long now = System.nanoTime();
        long used = CPU_TIME ? THREADS.getThreadCpuTime(threadId) - cpuStart : limitNanos;
        if (used >= limitNanos || now >= wallDeadline) {
            cutOff.run();
            return;
        }
        schedule(Math.min(limitNanos - used, wallDeadline - now));
    }

    void cancel() {
        ScheduledFuture<?> future = pending.get();
        if (future != null) {
            future.cancel(false);
        }
    }
}
