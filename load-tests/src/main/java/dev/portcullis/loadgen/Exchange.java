package dev.portcullis.loadgen;

/**
 * One request: when it was meant to start (latency runs from there, so an open loop that falls behind
 * still shows the delay) and whether it counts. Touched only on its connection's event loop.
 */
final class Exchange {
    final long start;
    final boolean measured;
    /** The final status once the response headers arrived, 0 before. */
    int status;

    Exchange(long startNanos, boolean measured) {
        this.start = startNanos;
        this.measured = measured;
    }
}
