package dev.portcullis.functions;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-function guest limits (CloudFront: 5 ms, 2 MB).
 *
 * <p>{@code timeout} is enforced: a watchdog cancels the invocation and the context is discarded.
 * {@code maxMemoryBytes} cannot be a hard heap cap on a community GraalJS (that is the EE sandbox's
 * {@code sandbox.MaxHeapMemory}); it bounds the largest string ({@code maxMemoryBytes / 2} UTF-16
 * chars) and typed array ({@code maxMemoryBytes} elements) the guest may build, and the statement limit
 * bounds loops that grow arrays or objects. See {@link ConnectionFunction} for the full list.
 *
 * @param timeout        longest time one invocation may run
 * @param maxMemoryBytes memory budget as described above
 */
public record FunctionLimits(Duration timeout, long maxMemoryBytes) {
    /** CloudFront's code size limit for a function. */
    public static final int MAX_CODE_BYTES = 10 * 1024;

    /** CloudFront's limits: 5 ms, 2 MB. */
    public static final FunctionLimits DEFAULTS = new FunctionLimits(Duration.ofMillis(5), 2L * 1024 * 1024);

    public FunctionLimits {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("function timeout must be positive: " + timeout);
        }
        if (maxMemoryBytes < 64 * 1024) {
            throw new IllegalArgumentException("function maxMemoryBytes must be at least 64 KB: " + maxMemoryBytes);
        }
    }
}
