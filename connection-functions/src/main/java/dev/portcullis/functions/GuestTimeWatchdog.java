package dev.portcullis.functions;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Cuts invocations off when they have used their timeout of <em>guest time</em>: the CPU time of the
 * thread running them, not the wall clock. On a busy two-core node a 5 ms function can be descheduled
 * or paused by a GC for longer than 5 ms without using 5 ms of CPU; a wall-clock limit would then
 * deny well-behaved clients at random. A wall-clock cap (20 times the timeout, at least 100 ms, at
 * most 1 s) still bounds how long one handshake can wait, well before the handshake timeout.
 *
 * <p>One thread per runtime. Why not a timer per invocation: scheduling one (and cancelling it when the
 * function returns in time, as nearly all do) woke the timer thread for every invocation, a futex
 * wake and two context switches on a handshake of a few hundred microseconds. Here an invocation only
 * registers itself in a set; the thread looks at the set every half of the shortest timeout while
 * invocations keep coming, and parks untimed after a second without any, to be woken by the next.
 */
final class GuestTimeWatchdog implements AutoCloseable {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_TIME = THREADS.isCurrentThreadCpuTimeSupported() && THREADS.isThreadCpuTimeSupported();
    private static final long MIN_TICK = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_TICK = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long IDLE_AFTER = TimeUnit.SECONDS.toNanos(1);

    private final long idleAfterNanos;
    private final Set<Watch> running = ConcurrentHashMap.newKeySet();
    private final AtomicLong registrations = new AtomicLong();
    private final Thread thread;
    private volatile long tickNanos = MAX_TICK;
    private volatile boolean parkedUntimed;
    private volatile boolean closed;

    GuestTimeWatchdog(String threadName) {
        this(threadName, Duration.ofNanos(IDLE_AFTER));
    }

    /** @param idleAfter how long without invocations before the thread parks untimed */
    GuestTimeWatchdog(String threadName, Duration idleAfter) {
        this.idleAfterNanos = idleAfter.toNanos();
        thread = new Thread(this::loop, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Watches the invocation about to run on the calling thread; {@code cutOff} runs on the watchdog's
     * thread, at most once, when the invocation is over its time. Call {@link Watch#done()} when it returns.
     */
    Watch watch(Duration timeout, long startNanos, Runnable cutOff) {
        Watch watch = new Watch(timeout.toNanos(), startNanos, cutOff);
        long tick = Math.max(MIN_TICK, Math.min(MAX_TICK, watch.limitNanos / 2));
        if (tick < tickNanos) {
            tickNanos = tick;
        }
        running.add(watch);
        registrations.incrementAndGet();
        if (parkedUntimed) {
            parkedUntimed = false;
            LockSupport.unpark(thread);
        }
        return watch;
    }

    private void loop() {
        long seen = registrations.get();
        long lastActive = System.nanoTime();
        while (!closed) {
            if (running.isEmpty() && System.nanoTime() - lastActive > idleAfterNanos) {
                parkedUntimed = true;
                // Re-read after publishing the flag: a registration either saw it (and unparks) or is counted here.
                if (registrations.get() == seen && running.isEmpty() && !closed) {
                    LockSupport.park(this);
                }
                parkedUntimed = false;
                lastActive = System.nanoTime();
                seen = registrations.get();
                continue;
            }
            LockSupport.parkNanos(this, tickNanos);
            long now = System.nanoTime();
            long count = registrations.get();
            if (count != seen || !running.isEmpty()) {
                seen = count;
                lastActive = now;
            }
            for (Watch watch : running) {
                watch.check(now);
            }
        }
    }

    /** Whether the thread sleeps until the next invocation (for tests). */
    boolean isParkedUntimed() {
        return parkedUntimed && thread.getState() == Thread.State.WAITING;
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
    }

    /** One invocation being watched. */
    final class Watch {
        private final long limitNanos;
        private final long startNanos;
        private final long wallDeadline;
        private final long threadId = Thread.currentThread().threadId();
        private final long cpuStart;
        private final Runnable cutOff;
        private final AtomicBoolean over = new AtomicBoolean();

        private Watch(long limitNanos, long startNanos, Runnable cutOff) {
            this.limitNanos = limitNanos;
            this.startNanos = startNanos;
            long cap = Math.min(Math.max(limitNanos * 20, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.SECONDS.toNanos(1));
            this.wallDeadline = startNanos + Math.max(cap, limitNanos);
            this.cpuStart = CPU_TIME ? THREADS.getCurrentThreadCpuTime() : 0;
            this.cutOff = cutOff;
        }

        private void check(long now) {
            if (now - startNanos < limitNanos) {
                return; // its thread cannot have used more CPU than wall time yet
            }
            long used = CPU_TIME ? THREADS.getThreadCpuTime(threadId) - cpuStart : now - startNanos;
            if ((used >= limitNanos || now - wallDeadline >= 0) && over.compareAndSet(false, true)) {
                running.remove(this);
                cutOff.run();
            }
        }

        /** The invocation returned: stop watching it. */
        void done() {
            running.remove(this);
        }
    }
}
