package dev.portcullis.microbench;

import dev.portcullis.functions.KeyValueStore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 5: {@link KeyValueStore#exists} on a 1,000,000-key store, for a key that is there (a revoked
 * serial) and one that is not (the common case). Probes cycle through 64K keys in generation order,
 * i.e. random positions in the table, so the cost includes the cache misses a real lookup has. The
 * probe strings are reused, so their hash codes are cached: the guest's fresh key string adds
 * hashing 32 characters (a few ns) on top.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
@Fork(jvmArgsAppend = "-Xmx2g")
public class KeyValueStoreBenchmark {
    private static final int PROBES = 1 << 16;

    private KeyValueStore store;
    private String[] present;
    private String[] absent;
    private int next;

    @Setup
    public void setUp() {
        store = RevocationStore.build();
        present = RevocationStore.storedSerials(PROBES);
        absent = RevocationStore.absentSerials(PROBES);
        for (int i = 0; i < PROBES; i++) {
            if (!store.exists(present[i]) || store.exists(absent[i])) {
                throw new IllegalStateException("probe keys do not match the store at " + i);
            }
        }
    }

    @Benchmark
    public boolean existsHit() {
        return store.exists(present[next++ & (PROBES - 1)]);
    }

    @Benchmark
    public boolean existsMiss() {
        return store.exists(absent[next++ & (PROBES - 1)]);
    }
}
