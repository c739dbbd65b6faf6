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
 * Cuts invocations off when they have used their timeout of <em>guest time</em> (the CPU time of the
 * thread running them, not the wall clock) or allocated more than their memory limit.
 *
 * <p>Memory: community GraalJS has no per-context heap cap, and a few statements
 * ({@code keep.push(new Float64Array(131072))} in a loop) can fill the node's heap within the time
 * limit. The JVM counts the bytes each thread allocates ({@code ThreadMXBean.getThreadAllocatedBytes}),
 * host and guest alike, and everything an invocation retains was allocated by it, so an allocation
 * budget bounds what it can hold: the watchdog compares the count with the budget on every tick (at most 1 ms apart
 * while such an invocation runs) and cuts the invocation off when two ticks in a row find it over (one
 * cross-thread reading can be too high, see {@code Watch.overSeen}), and the invocation's own thread
 * compares once more, exactly, when it returns. Between three ticks a thread can allocate what it
 * zeroes in two milliseconds (some 20 MB), so the node holds at most about that much per function
 * thread beyond the limits.
 *
 * <p>Time: guest CPU time, not the wall clock. On a busy two-core node a 5 ms function can be descheduled
 * or paused by a GC for longer than 5 ms without using 5 ms of CPU; a wall-clock limit would then
 * deny well-behaved clients at random. A wall-clock cap (20 times the timeout, at least 100 ms, at
 * most 1 s) still bounds how long one handshake can wait, well before the handshake timeout.
 * The invocation's thread does not read its own CPU clock: on Linux that is a system call (600 ns
 * here, a sixth of a whole viewer-request call), and nearly every call returns long before a tick
 * sees it. The watchdog reads the thread's clock when it first sees the invocation and counts from
 * there, so the CPU used before that first look (under one tick when the watchdog runs on time) is
 * not counted: a runaway runs at most that much past its limit, as it may run up to a tick past it
 * before a tick notices. Counting that stretch as used instead would cut well-behaved calls whenever
 * the watchdog itself ran late, which is the busy node again.
 *
 * <p>One thread per runtime. Why not a timer per invocation: scheduling one (and cancelling it when the
 * function returns in time, as nearly all do) woke the timer thread for every invocation, a futex
 * wake and two context switches on a handshake of a few hundred microseconds. Here an invocation only
 * registers itself in a set; the thread looks at the set every half of the shortest timeout while
 * invocations keep coming, and parks untimed after a second without any, to be woken by the next.
 */
final class GuestWatchdog implements AutoCloseable {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.ThreadMXBean ALLOCATIONS = THREADS instanceof com.sun.management.ThreadMXBean t
            && t.isThreadAllocatedMemorySupported() && t.isThreadAllocatedMemoryEnabled() ? t : null;
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

    GuestWatchdog(String threadName) {
        this(threadName, Duration.ofNanos(IDLE_AFTER));
    }

    /** @param idleAfter how long without invocations before the thread parks untimed */
    GuestWatchdog(String threadName, Duration idleAfter) {
        this.idleAfterNanos = idleAfter.toNanos();
        thread = new Thread(this::loop, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** Which limit an invocation went over. */
    enum Limit { TIME, MEMORY }

    /** Whether this JVM counts allocated bytes per thread (HotSpot does); without it memory is not bounded. */
    static boolean boundsMemory() {
        return ALLOCATIONS != null;
    }

    /** The bytes the calling thread has allocated so far, or 0 where the JVM does not count them. */
    static long allocatedByCurrentThread() {
        return ALLOCATIONS == null ? 0 : ALLOCATIONS.getCurrentThreadAllocatedBytes();
    }

    /** As below, without a memory limit. */
    Watch watch(Duration timeout, long startNanos, Runnable cutOff) {
        return watch(timeout, Long.MAX_VALUE, startNanos, limit -> cutOff.run());
    }

    /**
     * Watches the invocation about to run on the calling thread; {@code cutOff} runs on the watchdog's
     * thread, at most once, when the invocation is over its time or has allocated more than
     * {@code maxAllocatedBytes}. Call {@link Watch#done()} when it returns.
     */
    Watch watch(Duration timeout, long maxAllocatedBytes, long startNanos, java.util.function.Consumer<Limit> cutOff) {
        Watch watch = new Watch(timeout.toNanos(), maxAllocatedBytes, startNanos, cutOff);
        // With a memory limit, tick at least every millisecond whatever the timeout: what a thread
        // can allocate between two looks is what the limit lets through.
        long tick = Math.max(MIN_TICK, Math.min(maxAllocatedBytes == Long.MAX_VALUE ? MAX_TICK : MIN_TICK,
                watch.limitNanos / 2));
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
        /** The thread's CPU clock when a tick first saw this invocation, or -1 before (watchdog thread only). */
        private long cpuStart = -1;
        private final long maxBytes;
        private final long allocatedStart;
        private final java.util.function.Consumer<Limit> cutOff;
        private final AtomicBoolean over = new AtomicBoolean();
        /**
         * The last tick read more than the limit. Read from another thread, a thread's count can be one
         * TLAB too high for an instant: HotSpot adds the TLAB's used bytes to the total, and a TLAB
         * refill adds them to the total before it clears the TLAB ("might cause double counting in
         * rare cases", Thread::cooked_allocated_bytes). On a viewer function's hot path such misreads
         * cut plain calls off with a 503: 6 in 2.6 million (ab.sh scenario 11), 1 in 3.3 million with
         * this guard. So only a second reading over the limit, a tick later, cuts the call; the
         * thread's own count when it returns is exact and is held against the limit as before (the
         * one left was such a count: a real overrun, whose size the fault now reports). Written by
         * the watchdog thread only.
         */
        private boolean overSeen;

        private Watch(long limitNanos, long maxBytes, long startNanos, java.util.function.Consumer<Limit> cutOff) {
            this.limitNanos = limitNanos;
            this.maxBytes = maxBytes;
            this.allocatedStart = allocatedByCurrentThread();
            this.startNanos = startNanos;
            long cap = Math.min(Math.max(limitNanos * 20, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.SECONDS.toNanos(1));
            this.wallDeadline = startNanos + Math.max(cap, limitNanos);
            this.cutOff = cutOff;
        }

        private void check(long now) {
            if (maxBytes != Long.MAX_VALUE && ALLOCATIONS != null) {
                if (ALLOCATIONS.getThreadAllocatedBytes(threadId) - allocatedStart > maxBytes) {
                    if (overSeen) {
                        cut(Limit.MEMORY);
                        return;
                    }
                    overSeen = true;
                } else {
                    overSeen = false;
                }
            }
            if (CPU_TIME && cpuStart < 0) {
                cpuStart = THREADS.getThreadCpuTime(threadId);
            }
            if (now - startNanos < limitNanos) {
                return; // its thread cannot have used more CPU than wall time yet
            }
            long used = CPU_TIME ? THREADS.getThreadCpuTime(threadId) - cpuStart : now - startNanos;
            if (used >= limitNanos || now - wallDeadline >= 0) {
                cut(Limit.TIME);
            }
        }

        private void cut(Limit limit) {
            if (over.compareAndSet(false, true)) {
                running.remove(this);
                cutOff.accept(limit);
            }
        }

        /**
         * The invocation returned: stop watching it. On its own thread: the bytes it allocated, which
         * the caller holds against the limit too (an invocation shorter than a tick is never checked).
         */
        long done() {
            running.remove(this);
            return allocatedByCurrentThread() - allocatedStart;
        }
    }
}
