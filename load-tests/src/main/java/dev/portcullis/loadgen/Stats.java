package dev.portcullis.loadgen;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters and histograms shared by all event loops. Progress counters count everything (warmup too);
 * the measured ones count only what {@link RunControl#measured} accepts. Latencies are in nanoseconds.
 */
final class Stats {
    final LongAdder progressOk = new LongAdder();
    final LongAdder progressHandshakes = new LongAdder();
    final LongAdder progressErrors = new LongAdder();

    private final LongAdder ok = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder handshakes = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder[] errors = new LongAdder[ErrorKind.values().length];
    private final Map<String, LongAdder> tlsFailures = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errorDetails = new ConcurrentHashMap<>();
    private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
    private final Recorder latency = new Recorder(3);
    private final Recorder handshakeLatency = new Recorder(3);

    /** Hold-idle: connections open after their request, now and at most. */
    final AtomicInteger idleOpen = new AtomicInteger();
    final AtomicInteger idlePeak = new AtomicInteger();

    private final long target;
    private final AtomicLong completions = new AtomicLong();
    private final CountDownLatch targetReached = new CountDownLatch(1);
    private volatile boolean measuringBytes;

    Stats(long requestTarget) {
        this.target = requestTarget;
        for (int i = 0; i < errors.length; i++) {
            errors[i] = new LongAdder();
        }
    }

    void response(boolean measured, int status, long latencyNanos) {
        ErrorKind error = ErrorKind.ofStatus(status);
        if (error == null) {
            progressOk.increment();
        } else {
            progressErrors.increment();
        }
        if (!measured) {
            return;
        }
        statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
        latency.recordValue(Math.max(0, latencyNanos));
        if (error == null) {
            ok.increment();
        } else {
            errors[error.ordinal()].increment();
            failed.increment();
        }
        completed();
    }

    void failure(boolean measured, Failure failure) {
        progressErrors.increment();
        if (!measured) {
            return;
        }
        errors[failure.kind().ordinal()].increment();
        failed.increment();
        switch (failure.kind()) {
            case TLS_HANDSHAKE -> tlsFailures.computeIfAbsent(failure.detail(), d -> new LongAdder()).increment();
            case CONNECT_FAILED, PROTOCOL, RESET, OTHER -> errorDetails
                    .computeIfAbsent(failure.kind().key + ": " + failure.detail(), d -> new LongAdder()).increment();
            default -> { }
        }
        completed();
    }

    void handshake(boolean measured, long nanos) {
        progressHandshakes.increment();
        if (measured) {
            handshakes.increment();
            handshakeLatency.recordValue(Math.max(0, nanos));
        }
    }

    void startMeasuringBytes() {
        measuringBytes = true;
    }

    void bytesIn(int n) {
        if (measuringBytes) {
            bytesIn.add(n);
        }
    }

    void bytesOut(int n) {
        if (measuringBytes) {
            bytesOut.add(n);
        }
    }

    void idleOpened() {
        idlePeak.accumulateAndGet(idleOpen.incrementAndGet(), Math::max);
    }

    private void completed() {
        if (target > 0 && completions.incrementAndGet() == target) {
            targetReached.countDown();
        }
    }

    CountDownLatch targetReached() {
        return targetReached;
    }

    long progressTotalErrors() {
        return progressErrors.sum();
    }

    /** Everything measured, frozen. Call once, after the run. */
    Snapshot snapshot() {
        Map<String, Long> errorCounts = new java.util.LinkedHashMap<>();
        for (ErrorKind kind : ErrorKind.values()) {
            errorCounts.put(kind.key, errors[kind.ordinal()].sum());
        }
        Map<String, Long> statusCounts = new TreeMap<>();
        statuses.forEach((status, n) -> statusCounts.put(String.valueOf(status), n.sum()));
        return new Snapshot(ok.sum(), failed.sum(), handshakes.sum(), bytesIn.sum(), bytesOut.sum(), errorCounts,
                sums(tlsFailures), sums(errorDetails), statusCounts,
                latency.getIntervalHistogram(), handshakeLatency.getIntervalHistogram());
    }

    private static Map<String, Long> sums(Map<String, LongAdder> counters) {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    record Snapshot(long ok, long failed, long handshakes, long bytesIn, long bytesOut, Map<String, Long> errors,
                    Map<String, Long> tlsFailures, Map<String, Long> errorDetails, Map<String, Long> statuses,
                    Histogram latency, Histogram handshakeLatency) {
    }
}
