package dev.portcullis.microbench;

import dev.portcullis.functions.KeyValueStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 12: what a write costs on a 1,000,000-key store, and what it does to lookups. A write builds
 * the next snapshot with {@link KeyValueStore#withChanges}, copying the overlay of keys written since
 * the last packing, never the packed base; {@code overlay} is how many keys that overlay already
 * holds (0 right after a compaction, 4096 just before the next one). Lookups go through the overlay
 * first, so {@code exists*} show what an overlay of that size adds to every handshake's lookup.
 * {@code compact} is the background packing the writer starts at 4096 overlay keys (SingleShot).
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(jvmArgsAppend = "-Xmx3g")
public class KeyValueStoreWriteBenchmark {
    private static final int PROBES = 1 << 16;

    @Param({"0", "4096"})
    public int overlay;

    private KeyValueStore store;
    private String[] present;
    private String[] absent;
    private int next;
    private final Instant now = Instant.now();

    @Setup(Level.Trial)
    public void setUp() {
        KeyValueStore base = RevocationStore.build();
        String[] written = RevocationStore.absentSerials(overlay + PROBES);
        KeyValueStore s = base;
        for (int i = 0; i < overlay; i++) {
            s = s.withChanges(Map.of(written[PROBES + i], "revoked live"), List.of(), now);
        }
        store = s;
        present = RevocationStore.storedSerials(PROBES);
        absent = java.util.Arrays.copyOf(written, PROBES);
        if (store.overlaySize() != overlay || !store.exists(present[0]) || store.exists(absent[0])) {
            throw new IllegalStateException("the store is not what the benchmark says");
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    public KeyValueStore putKey() {
        return store.withChanges(Map.of(absent[next++ & (PROBES - 1)], "revoked live"), List.of(), now);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public boolean existsHit() {
        return store.exists(present[next++ & (PROBES - 1)]);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public boolean existsMiss() {
        return store.exists(absent[next++ & (PROBES - 1)]);
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public KeyValueStore compact() {
        return store.compacted();
    }
}
