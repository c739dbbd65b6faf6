package dev.portcullis.logs;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * The hand-off between the event loops (many producers) and a log's writer thread (one consumer): a bounded
 * ring of slots. An offer claims a slot with one compare-and-set on the producer index and then stores the
 * record; the writer takes records in claim order and clears their slots.
 *
 * <p>Why not {@link java.util.concurrent.ConcurrentLinkedQueue} with a separate atomic count: per record
 * that cost the event loop a node allocation and three atomic updates on shared cache lines (count, queue
 * tail, a flush counter), and the writer a chase from node to node through memory the event loop had long
 * since moved past. Here the producer index is at once the bound, the count of accepted records and the
 * flush target, and the writer reads the records' references from consecutive slots.
 */
final class RecordQueue<T> {
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle PRODUCED;
    private static final VarHandle CONSUMED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            PRODUCED = lookup.findVarHandle(RecordQueue.class, "produced", long.class);
            CONSUMED = lookup.findVarHandle(RecordQueue.class, "consumed", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] slots;
    private final int mask;
    private final int capacity;
    /** Slots claimed by producers so far: the number of records ever accepted. */
    @SuppressWarnings("unused") // through PRODUCED
    private volatile long produced;
    /** Records the writer has taken so far. Written only by the writer thread. */
    @SuppressWarnings("unused") // through CONSUMED
    private volatile long consumed;

    RecordQueue(int capacity) {
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

    /** Adds {@code record} unless {@code capacity} records are already waiting; never blocks. */
    boolean offer(T record) {
        while (true) {
            long claim = (long) PRODUCED.getVolatile(this);
            if (claim - (long) CONSUMED.getVolatile(this) >= capacity) {
                return false;
            }
            if (PRODUCED.compareAndSet(this, claim, claim + 1)) {
                SLOTS.setRelease(slots, (int) claim & mask, record);
                return true;
            }
        }
    }

    /**
     * Moves up to {@code max} waiting records into {@code out}, in the order their slots were claimed; only
     * the writer thread calls this. Stops early at a slot that is claimed but not yet filled (its producer
     * is between the claim and the store): that record is taken on the next call.
     */
    int drainTo(List<T> out, int max) {
        long next = (long) CONSUMED.getOpaque(this);
        int taken = 0;
        while (taken < max) {
            int slot = (int) next & mask;
            @SuppressWarnings("unchecked")
            T record = (T) SLOTS.getAcquire(slots, slot);
            if (record == null) {
                break;
            }
            SLOTS.setOpaque(slots, slot, null);
            out.add(record);
            next++;
            taken++;
        }
        // Release: the cleared slots are visible before producers see them as free.
        CONSUMED.setRelease(this, next);
        return taken;
    }

    /** Records accepted and not yet taken by the writer (including claimed slots still being filled). */
    int size() {
        long consumed = (long) CONSUMED.getVolatile(this);
        return (int) ((long) PRODUCED.getVolatile(this) - consumed);
    }

    /** Every record ever accepted: what a flush waits for. */
    long accepted() {
        return (long) PRODUCED.getVolatile(this);
    }

    boolean isEmpty() {
        return size() == 0;
    }
}
