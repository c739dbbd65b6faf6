package dev.portcullis.logs;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 4: the access-log writer thread's CPU per record in the conditions it meets in the node, without
 * the node's noise (TLS, sockets, the origin). Not JMH: the cost is another thread's, so it is read from
 * that thread's CPU clock.
 *
 * <p>One producer thread plays the event loops: at a fixed rate it builds each record as {@code EdgeLogs}
 * does (32 connections' shared strings, per-request host, path, request id and durations), allocates
 * {@code garbage} bytes of other short-lived objects around it as a proxied request would, and offers it
 * to a real {@link LogWriter} writing a real file. Run it pinned to one core, as the node is in
 * {@code load-tests/ab.sh}, so the writer shares the core's caches with the producer:
 *
 * <pre>
 * taskset -c 0 java -cp microbench/target/benchmarks.jar dev.portcullis.logs.AccessWriterCost [seconds] [records/s] [garbage bytes/record] [json|w3c] [dir]
 * </pre>
 *
 * Prints, per 5 s window: the writer thread's CPU ns per record; the producer's CPU ns per record (all its
 * work, for scale), and of that the time it took to build the record and to offer it (elapsed, so a
 * preemption inside either counts).
 */
public final class AccessWriterCost {
    private static final int CONNECTIONS = 32;

    private AccessWriterCost() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int rate = args.length > 1 ? Integer.parseInt(args[1]) : 30_000;
        int garbage = args.length > 2 ? Integer.parseInt(args[2]) : 6_000;
        LogFormat format = args.length > 3 ? LogFormat.valueOf(args[3].toUpperCase(Locale.ROOT)) : LogFormat.JSON;
        Path dir = args.length > 4 ? Path.of(args[4]) : Files.createTempDirectory("access-writer-cost");
        Path file = dir.resolve("access.log");
        Files.deleteIfExists(file);

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        String[][] connections = new String[CONNECTIONS][];
        for (int c = 0; c < CONNECTIONS; c++) {
            connections[c] = new String[] {"127.0.0." + (c + 1), id(20), "49:26:fc:a7:b7:d0:39:" + (10 + c)};
        }
        try (LogWriter<AccessRecord> writer = LogWriter.accessLog(LogSettings.of(file, format),
                new SimpleMeterRegistry())) {
            long writerId = threadId("portcullis-access-log");
            long producerId = Thread.currentThread().threadId();
            System.out.printf("%d records/s, %d garbage bytes per record, %s, %s%n", rate, garbage, format, file);
            long intervalNanos = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime();
            long next = start;
            long windowStart = start;
            long windowRecords = 0;
            long writerCpu = threads.getThreadCpuTime(writerId);
            long producerCpu = threads.getThreadCpuTime(producerId);
            List<Object> keep = new ArrayList<>();
            long sink = 0;
            long buildNanos = 0;
            long offerNanos = 0;
            for (long n = 0; ; n++) {
                long now = System.nanoTime();
                if (now - start >= TimeUnit.SECONDS.toNanos(seconds)) {
                    break;
                }
                if (next - now > 0) {
                    LockSupport.parkNanos(next - now);
                }
                next += intervalNanos;
                // A request's other allocations: half before the record's strings exist, half after.
                sink += allocate(keep, garbage / 2);
                // What the node has before it logs: the request's URI, host and id.
                String[] connection = connections[(int) (n % CONNECTIONS)];
                String uri = "/v1/devices/sensor-" + (n % 10_000) + "/readings?since=" + n;
                String host = new String("api.example.com:8443");
                String requestId = id(20);
                long built = System.nanoTime();
                int query = uri.indexOf('?');
                AccessRecord record = AccessRecord.builder()
                        .timestamp(System.currentTimeMillis())
                        .client(connection[0], 40_000 + (int) (n % CONNECTIONS))
                        .request("GET", host, uri.substring(0, query),
                                uri.substring(query + 1))
                        .status(200)
                        .bytes(1_234, 87)
                        .timeTaken(Duration.ofNanos(1_234_567 + n % 1000))
                        .timeToFirstByte(Duration.ofNanos(987_654))
                        .protocolVersion("HTTP/1.1")
                        .ssl("TLSv1.3", "TLS_AES_128_GCM_SHA256")
                        .requestId(requestId)
                        .connectionId(connection[1])
                        .distributionId("EDEMO1")
                        .originId("origin")
                        .clientCertSerialNumber(connection[2])
                        .resultType("Miss")
                        .build();
                long offered = System.nanoTime();
                writer.offer(record);
                long done = System.nanoTime();
                buildNanos += offered - built;
                offerNanos += done - offered;
                sink += allocate(keep, garbage - garbage / 2);
                windowRecords++;
                if (now - windowStart >= TimeUnit.SECONDS.toNanos(5)) {
                    long w = threads.getThreadCpuTime(writerId);
                    long p = threads.getThreadCpuTime(producerId);
                    boolean warm = now - start >= TimeUnit.SECONDS.toNanos(10);
                    System.out.printf("%s writer %5.0f ns/record  producer %6.0f ns/record (building the record %4.0f, "
                                    + "offering it %4.0f)  (%d records, %d queued)%n",
                            warm ? "measured" : "warm-up ", (double) (w - writerCpu) / windowRecords,
                            (double) (p - producerCpu) / windowRecords, (double) buildNanos / windowRecords,
                            (double) offerNanos / windowRecords, windowRecords, writer.queued());
                    buildNanos = 0;
                    offerNanos = 0;
                    writerCpu = w;
                    producerCpu = p;
                    windowStart = now;
                    windowRecords = 0;
                }
            }
            writer.flush(Duration.ofSeconds(30));
            System.out.println("(" + sink % 2 + ")");
        }
        Files.deleteIfExists(file);
    }

    /** Short-lived objects the size of a request's other allocations; a few are kept a while, as buffers are. */
    private static long allocate(List<Object> keep, int bytes) {
        long sum = 0;
        for (int left = bytes; left > 0; left -= 256) {
            byte[] b = new byte[Math.min(256, left)];
            sum += b.length;
            if ((sum & 0xFFF) == 0) {
                keep.add(b);
            }
        }
        if (keep.size() > 4_096) {
            keep.clear();
        }
        return sum;
    }

    private static String id(int length) {
        char[] c = new char[length];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < length; i++) {
            c[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".charAt(random.nextInt(64));
        }
        return new String(c);
    }

    private static long threadId(String name) {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals(name)) {
                return thread.threadId();
            }
        }
        throw new IllegalStateException("no thread named " + name);
    }
}
