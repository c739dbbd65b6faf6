package dev.portcullis.logs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * A bounded hand-off from many producer threads to one consumer thread: a ring of slots. An offer claims a
 * slot with one compare-and-set on the producer index and then stores its element; the consumer takes
 * elements in claim order and clears their slots. {@link LogWriter} hands full blocks of log lines to its
 * writer thread through it.
 *
 * <p>Why not {@link java.util.concurrent.ConcurrentLinkedQueue} with a separate atomic count: that costs a
 * node allocation and two or three atomic updates per element, where the producer index here is at once
 * the bound and the count, and the consumer reads consecutive slots instead of chasing nodes.
 */
final class HandOffRing<T> {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle PRODUCED;
    private static final VarHandle CONSUMED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCED = lookup.findVarHandle(HandOffRing.class, "produced", long.class);
            CONSUMED = lookup.findVarHandle(HandOffRing.class, "consumed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] slots;
    private final int mask;
    private final int capacity;
    /** Slots claimed by producers so far: the number of elements ever accepted. */
    @SuppressWarnings("unused") // through PRODUCED
    private volatile long produced;
    /** Elements the consumer has taken so far. Written only by the consumer thread. */
    @SuppressWarnings("unused") // through CONSUMED
    private volatile long consumed;

    HandOffRing(int capacity) {
        if (capacity < 1 || capacity > 1 << 30) {
            throw new IllegalArgumentException("queue capacity must be between 1 and 2^30, got " + capacity);
        }
        this.capacity = capacity;
        int length = Integer.highestOneBit(capacity);
        if (length < capacity) {
            length <<= 1;
        }
        this.slots = new Object[length];
        this.mask = length - 1;
    }

    /** Adds {@code element} unless {@code capacity} elements are already waiting; never blocks. */
    boolean offer(T element) {
        while (true) {
            long claim = (long) PRODUCED.getVolatile(this);
            if (claim - (long) CONSUMED.getVolatile(this) >= capacity) {
                return false;
            }
            if (PRODUCED.compareAndSet(this, claim, claim + 1)) {
                SLOTS.setRelease(slots, (int) claim & mask, element);
                return true;
            }
        }
    }

    /**
     * Moves up to {@code max} waiting elements into {@code out}, in the order their slots were claimed; only
     * the consumer thread calls this. Stops early at a slot that is claimed but not yet filled (its producer
     * is between the claim and the store): that element is taken on the next call.
     */
    int drainTo(List<T> out, int max) {
        long next = (long) CONSUMED.getOpaque(this);
        int taken = 0;
        while (taken < max) {
            int slot = (int) next & mask;
            @SuppressWarnings("unchecked")
            T element = (T) SLOTS.getAcquire(slots, slot);
            if (element == null) {
                break;
            }
            SLOTS.setOpaque(slots, slot, null);
            out.add(element);
            next++;
            taken++;
        }
        // Release: the cleared slots are visible before producers see them as free.
        CONSUMED.setRelease(this, next);
        return taken;
    }

    /**
     * Consumer: whether the next slot to take is claimed but not yet filled, so that {@link #drainTo} stopped
     * short of elements that follow it.
     */
    boolean stoppedAtUnfilledSlot() {
        long next = (long) CONSUMED.getOpaque(this);
        return (long) PRODUCED.getVolatile(this) > next && SLOTS.getAcquire(slots, (int) next & mask) == null;
    }

    /** Elements accepted and not yet taken by the consumer (including claimed slots still being filled). */
    int size() {
        long consumed = (long) CONSUMED.getVolatile(this);
        return (int) ((long) PRODUCED.getVolatile(this) - consumed);
    }

    boolean isEmpty() {
        return size() == 0;
    }
}
