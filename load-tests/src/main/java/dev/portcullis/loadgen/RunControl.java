package dev.portcullis.loadgen;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What every worker asks before it starts a request: has measuring begun, may another request start.
 * A request is measured when it was meant to start at or after {@link #recordFrom}; only measured
 * requests use up the {@code --requests} budget, so warmup never eats into it.
 */
final class RunControl {
    private final long recordFrom;
    private final long deadline;
    private final boolean counted;
    private final AtomicLong budget;
    private volatile boolean stopping;

    /** @param deadlineNanos when measuring ends by time; {@code Long.MAX_VALUE} for none */
    RunControl(long recordFromNanos, long deadlineNanos, long requests) {
        this.recordFrom = recordFromNanos;
        this.deadline = deadlineNanos;
        this.counted = requests > 0;
        this.budget = new AtomicLong(requests);
    }

    long recordFrom() {
        return recordFrom;
    }

    boolean measured(long startNanos) {
        return startNanos - recordFrom >= 0;
    }

    /** Whether a request meant to start at {@code startNanos} may start; takes one from the budget if measured. */
    boolean mayStart(long startNanos) {
        if (stopping) {
            return false;
        }
        if (!counted || !measured(startNanos)) {
            return true;
        }
        return budget.getAndDecrement() > 0;
    }

    /**
     * Open loop: whether a request is due at {@code intendedNanos}. Only the deadline and the budget end the
     * schedule (never the stop signal), so every request meant to start before the deadline is sent.
     */
    boolean mayGenerate(long intendedNanos) {
        if (deadline != Long.MAX_VALUE && intendedNanos - deadline >= 0) {
            return false;
        }
        if (!counted || !measured(intendedNanos)) {
            return true;
        }
        return budget.getAndDecrement() > 0;
    }

    void stop() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }
}
