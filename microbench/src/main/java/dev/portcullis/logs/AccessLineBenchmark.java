package dev.portcullis.logs;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 4: the access-log writer thread's per-request work, formatting one record (the ~550-byte line
 * of a proxied request) into the writer's batch buffer, in each format. In package
 * {@code dev.portcullis.logs} because the formatters are package-private. The batch is emptied every
 * 256 lines, as the writer's 256 KB chunk would be, so the buffer stays in cache as it does there.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(1)
public class AccessLineBenchmark {
    private final LineFormatter<AccessRecord> json = LineFormatter.of(LogFormat.JSON, AccessLogSchema.INSTANCE);
    private final LineFormatter<AccessRecord> w3c = LineFormatter.of(LogFormat.W3C, AccessLogSchema.INSTANCE);
    private final ByteLine batch = new ByteLine(256 * 1024 + 4096);
    private AccessRecord record;
    /** 64K distinct records (~20 MB with their strings), read in turn: cold in cache, as in the writer. */
    private AccessRecord[] coldRecords;
    private int lines;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        record = request(0);
        coldRecords = new AccessRecord[1 << 16];
        for (int i = 0; i < coldRecords.length; i++) {
            coldRecords[i] = request(i);
        }
    }

    /** What a keep-alive request through the node logs (values as the node fills them), made distinct by {@code i}. */
    private static AccessRecord request(int i) {
        return AccessRecord.builder()
                .timestamp(1_767_225_600_123L)
                .client("203.0.113.7", 50_312)
                .request("GET", "api.example.com", "/v1/devices/sensor-" + (10_000 + i) + "/readings",
                        "since=2026-11-28T00:00:" + (10 + i % 50) + "Z")
                .status(200)
                .bytes(1_234, 87)
                .timeTaken(Duration.ofNanos(1_234_567))
                .timeToFirstByte(Duration.ofNanos(987_654))
                .protocolVersion("HTTP/1.1")
                .ssl("TLSv1.3", "TLS_AES_128_GCM_SHA256")
                .requestId("XkD2tLq9VbQ0c8rS3m" + Integer.toString(1_000_000 + i, 36))
                .connectionId("VH0bkUqeEoRvqw3a" + Integer.toString(1_000_000 + i / 8, 36))
                .distributionId("EDEMO1")
                .originId("echo")
                .clientCertSerialNumber("5a:3f:9c:01:7e:22:b4:90:1d:6c:aa:0f:33:81:5e:42")
                .resultType("Miss")
                .build();
    }

    /** The same line for records spread over memory: what the writer meets, ~50 ms after the event loop built them. */
    @Benchmark
    public int jsonCold() throws Exception {
        return append(json, coldRecords[next++ & (coldRecords.length - 1)]);
    }

    @Benchmark
    public int json() throws Exception {
        return append(json, record);
    }

    @Benchmark
    public int w3c() throws Exception {
        return append(w3c, record);
    }

    private int append(LineFormatter<AccessRecord> formatter, AccessRecord record) throws Exception {
        if (++lines == 256) {
            lines = 0;
            batch.reset();
        }
        formatter.format(record, batch);
        return batch.size();
    }
}
