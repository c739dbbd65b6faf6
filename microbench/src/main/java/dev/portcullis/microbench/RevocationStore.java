package dev.portcullis.microbench;

import dev.portcullis.functions.KeyValueStore;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A revocation list the size issue 5 asks about: a KeyValueStore of one million certificate serials
 * (32 lowercase hex characters, the blog function's key format), built with a fixed seed.
 */
final class RevocationStore {
    static final String NAME = "revoked-serials";
    static final int KEYS = 1_000_000;
    private static final long SEED = 20_260_101L;

    private RevocationStore() {
    }

    /** The million random serials plus {@code extraKeys}. */
    static KeyValueStore build(String... extraKeys) {
        Map<String, String> entries = HashMap.newHashMap(KEYS + extraKeys.length);
        SplittableRandom random = new SplittableRandom(SEED);
        while (entries.size() < KEYS) {
            entries.put(randomSerial(random), "revoked 2026-01-02");
        }
        for (String key : extraKeys) {
            entries.put(key, "revoked 2026-01-02");
        }
        return KeyValueStore.of(NAME, entries);
    }

    /** The first {@code n} serials of the store, in the order they were generated. */
    static String[] storedSerials(int n) {
        SplittableRandom random = new SplittableRandom(SEED);
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = randomSerial(random);
        }
        return out;
    }

    /** Serials from another seed: with 2^128 possibilities none of them is in the store. */
    static String[] absentSerials(int n) {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = randomSerial(random);
        }
        return out;
    }

    private static String randomSerial(SplittableRandom random) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        bytes[0] &= 0x7f; // a positive DER INTEGER, as CAs issue them
        return HexFormat.of().formatHex(bytes);
    }
}
