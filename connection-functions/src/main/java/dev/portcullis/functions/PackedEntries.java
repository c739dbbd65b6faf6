package dev.portcullis.functions;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The entries of one {@link KeyValueStore}: UTF-8 keys and values packed back to back into a few 4 MB
 * byte arrays, found through an open-addressing table of {@code long}s (the key's hash in the high half,
 * the record's position in the low half).
 *
 * <p>Why not a {@code HashMap<String, byte[]>}: a million entries were about four million objects
 * (nodes, strings, their arrays, values), about 170 MB that G1 traced in every concurrent marking
 * cycle and scanned in young pauses while the node served handshakes. Packed, the same store is a few
 * dozen arrays without a single reference in them, which the collector does not need to look into. A lookup costs
 * one UTF-8 encoding of the key, one hash and, on a hash match, one array comparison.
 *
 * <p>Immutable once built ({@link Builder#build}); safe to share between threads.
 */
final class PackedEntries {
    private static final int CHUNK_SHIFT = 22;
    private static final int CHUNK_BYTES = 1 << CHUNK_SHIFT;
    /** Record header: key length and value length, two bytes each (keys <= 512, values <= 1024 bytes). */
    private static final int HEADER = 4;

    private final byte[][] chunks;
    /** 0 = empty; else hash << 32 | (chunk * CHUNK_BYTES + offset + 1), the position as unsigned 32 bits. */
    private final long[] slots;
    private final int mask;
    private final int size;
    private final long bytes;

    private PackedEntries(byte[][] chunks, long[] slots, int size, long bytes) {
        this.chunks = chunks;
        this.slots = slots;
        this.mask = slots.length - 1;
        this.size = size;
        this.bytes = bytes;
    }

    int size() {
        return size;
    }

    /** UTF-8 bytes of every key and value (CloudFront's TotalSizeInBytes). */
    long bytes() {
        return bytes;
    }

    /** Every entry, in storage order (compaction; a million entries take a few hundred ms). */
    void forEach(java.util.function.BiConsumer<String, String> action) {
        for (byte[] chunk : chunks) {
            int offset = 0;
            while (offset + HEADER <= chunk.length) {
                int keyLength = readLength(chunk, offset);
                int valueLength = readLength(chunk, offset + 2);
                if (keyLength == 0) {
                    break; // the unused tail of a chunk (keys are never empty)
                }
                int start = offset + HEADER;
                action.accept(new String(chunk, start, keyLength, StandardCharsets.UTF_8),
                        new String(chunk, start + keyLength, valueLength, StandardCharsets.UTF_8));
                offset = start + keyLength + valueLength;
            }
        }
    }

    boolean contains(String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return find(chunks, slots, mask, k, hash(k)) >= 0;
    }

    /** The value, or {@code null} when the key is absent. */
    String get(String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        long position = find(chunks, slots, mask, k, hash(k));
        if (position < 0) {
            return null;
        }
        byte[] chunk = chunks[(int) (position >>> CHUNK_SHIFT)];
        int offset = (int) position & (CHUNK_BYTES - 1);
        int keyLength = readLength(chunk, offset);
        int valueLength = readLength(chunk, offset + 2);
        return new String(chunk, offset + HEADER + keyLength, valueLength, StandardCharsets.UTF_8);
    }

    /** The record's position (chunk * CHUNK_BYTES + offset) or -1. */
    private static long find(byte[][] chunks, long[] slots, int mask, byte[] key, int hash) {
        if (key.length > KeyValueStore.MAX_KEY_BYTES) {
            return -1;
        }
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            long slot = slots[i];
            if (slot == 0) {
                return -1;
            }
            if ((int) (slot >>> 32) == hash) {
                long position = (slot & 0xFFFF_FFFFL) - 1;
                byte[] chunk = chunks[(int) (position >>> CHUNK_SHIFT)];
                int offset = (int) position & (CHUNK_BYTES - 1);
                int keyLength = readLength(chunk, offset);
                int start = offset + HEADER;
                if (keyLength == key.length && Arrays.equals(chunk, start, start + keyLength, key, 0, key.length)) {
                    return position;
                }
            }
        }
    }

    private static int readLength(byte[] chunk, int offset) {
        return (chunk[offset] & 0xFF) << 8 | (chunk[offset + 1] & 0xFF);
    }

    /** FNV-1a over the bytes, then MurmurHash3's finaliser so that similar keys spread over the table. */
    static int hash(byte[] bytes) {
        int h = 0x811C9DC5;
        for (byte b : bytes) {
            h = (h ^ b) * 0x01000193;
        }
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        h ^= h >>> 13;
        h *= 0xC2B2AE35;
        return h ^ (h >>> 16);
    }

    /** Collects entries (one thread), refusing duplicates; {@link #build} freezes them. */
    static final class Builder {
        /** Positions are stored as unsigned 32 bits, plus one so that 0 means an empty slot. */
        private static final long MAX_BYTES = 0xFFFF_FFFEL;

        private byte[][] chunks = new byte[1][];
        private int chunkCount;
        private int fill;
        private long[] slots = new long[16];
        private int size;
        private long bytes;

        /**
         * Adds {@code key} with {@code value}, both within {@link KeyValueStore}'s limits.
         *
         * @return false, changing nothing, when the key is already there
         * @throws IllegalStateException when the store would pass 4 GB
         */
        boolean add(String key, String value) {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            int hash = hash(k);
            if (find(chunks, slots, slots.length - 1, k, hash) >= 0) {
                return false;
            }
            long position = append(k, v);
            if ((size + 1) * 2L > slots.length) {
                grow();
            }
            insert(slots, hash, position);
            size++;
            bytes += k.length + v.length;
            return true;
        }

        PackedEntries build() {
            byte[][] frozen = Arrays.copyOf(chunks, chunkCount);
            if (chunkCount > 0) {
                frozen[chunkCount - 1] = Arrays.copyOf(frozen[chunkCount - 1], fill);
            }
            return new PackedEntries(frozen, slots, size, bytes);
        }

        private long append(byte[] key, byte[] value) {
            int length = HEADER + key.length + value.length;
            if (chunkCount == 0 || fill + length > chunks[chunkCount - 1].length) {
                makeRoom(length);
            }
            byte[] chunk = chunks[chunkCount - 1];
            chunk[fill] = (byte) (key.length >>> 8);
            chunk[fill + 1] = (byte) key.length;
            chunk[fill + 2] = (byte) (value.length >>> 8);
            chunk[fill + 3] = (byte) value.length;
            System.arraycopy(key, 0, chunk, fill + HEADER, key.length);
            System.arraycopy(value, 0, chunk, fill + HEADER + key.length, value.length);
            long position = ((long) (chunkCount - 1) << CHUNK_SHIFT) + fill;
            fill += length;
            return position;
        }

        /** Grows the last chunk (small stores stay small) up to 4 MB, then starts another. */
        private void makeRoom(int length) {
            if (chunkCount > 0 && chunks[chunkCount - 1].length < CHUNK_BYTES) {
                byte[] last = chunks[chunkCount - 1];
                int grown = (int) Math.min(CHUNK_BYTES, Math.max(2L * last.length, fill + length));
                if (fill + length <= grown) {
                    chunks[chunkCount - 1] = Arrays.copyOf(last, grown);
                    return;
                }
            }
            if (((long) chunkCount << CHUNK_SHIFT) + length > MAX_BYTES) {
                throw new IllegalStateException("the store passes 4 GB of keys and values");
            }
            if (chunkCount == chunks.length) {
                chunks = Arrays.copyOf(chunks, chunkCount * 2);
            }
            chunks[chunkCount] = new byte[chunkCount == 0 ? 4096 : CHUNK_BYTES];
            chunkCount++;
            fill = 0;
        }

        private void grow() {
            long[] bigger = new long[slots.length * 2];
            for (long slot : slots) {
                if (slot != 0) {
                    insert(bigger, (int) (slot >>> 32), (slot & 0xFFFF_FFFFL) - 1);
                }
            }
            slots = bigger;
        }

        private static void insert(long[] table, int hash, long position) {
            int mask = table.length - 1;
            int i = hash & mask;
            while (table[i] != 0) {
                i = (i + 1) & mask;
            }
            table[i] = (long) hash << 32 | (position + 1);
        }
    }
}
