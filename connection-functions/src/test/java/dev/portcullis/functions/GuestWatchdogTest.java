package dev.portcullis.functions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class GuestWatchdogTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void cutsOffABusyInvocationAfterSleepingUntimed() {
        try (GuestWatchdog watchdog = new GuestWatchdog("test-watchdog", Duration.ofMillis(20))) {
            waitUntil(watchdog::isParkedUntimed, 5 * SECOND);

            AtomicBoolean cut = new AtomicBoolean();
            long start = System.nanoTime();
            GuestWatchdog.Watch watch = watchdog.watch(Duration.ofMillis(10), start, () -> cut.set(true));
            long spunUntil = spinUntil(cut, 5 * SECOND);
            watch.done();

            assertThat(cut).isTrue();
            // at least the 10 ms of CPU it was given; the bound only catches "never woke up"
            assertThat(spunUntil - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(10))
                    .isLessThan(2 * SECOND);
        }
    }

    @Test
    void anInvocationThatReturnsInTimeIsNotCutOff() {
        try (GuestWatchdog watchdog = new GuestWatchdog("test-watchdog", Duration.ofMillis(20))) {
            AtomicBoolean cut = new AtomicBoolean();
            for (int i = 0; i < 1000; i++) {
                watchdog.watch(Duration.ofMillis(50), System.nanoTime(), () -> cut.set(true)).done();
            }
            // The watchdog parks untimed only after its idle time (20 ms) of ticks that found nothing
            // registered: by then any late cut-off of a finished invocation would have happened.
            waitUntil(watchdog::isParkedUntimed, 5 * SECOND);
            assertThat(cut).isFalse();
        }
    }

    @Test
    void aBlockedInvocationIsCutOffByTheWallClockCap() throws InterruptedException {
        try (GuestWatchdog watchdog = new GuestWatchdog("test-watchdog")) {
            CountDownLatch cut = new CountDownLatch(1);
            long start = System.nanoTime();
            // 1 ms of guest time; blocked, it uses none, so only the wall cap (100 ms at least) ends it
            GuestWatchdog.Watch watch = watchdog.watch(Duration.ofMillis(1), start, cut::countDown);
            boolean wasCut = cut.await(5, TimeUnit.SECONDS);
            watch.done();
            assertThat(wasCut).isTrue();
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** Burns CPU on this thread (as a runaway function does) until {@code flag} is set or the limit passes. */
    private static long spinUntil(AtomicBoolean flag, long limitNanos) {
        long start = System.nanoTime();
        long x = 0;
        while (!flag.get() && System.nanoTime() - start < limitNanos) {
            x += System.identityHashCode(flag) ^ x;
        }
        assertThat(x).isNotNull();
        return System.nanoTime();
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition, long limitNanos) {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - start).as("condition within the limit").isLessThan(limitNanos);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
}
