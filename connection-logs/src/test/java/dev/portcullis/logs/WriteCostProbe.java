package dev.portcullis.logs;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.IntFunction;

/**
 * Not a test: a rough cost per record, formatted alone and formatted+written through a LogWriter to a file.
 * Run by hand: java -cp target/classes:target/test-classes:... dev.portcullis.logs.WriteCostProbe
 */
public final class WriteCostProbe {
    private static final int N = 1_000_000;

    public static void main(String[] args) throws Exception {
        for (int round = 0; round < 3; round++) {
            for (LogFormat format : LogFormat.values()) {
                probe("connection", format, ConnectionLogSchema.INSTANCE, Fixtures::connection);
                probe("access", format, AccessLogSchema.INSTANCE, Fixtures::access);
            }
        }
    }

    private static <T> void probe(String name, LogFormat format, LogSchema<T> schema, IntFunction<T> records)
            throws Exception {
        @SuppressWarnings("unchecked")
        T[] prepared = (T[]) new Object[N];
        for (int i = 0; i < N; i++) {
            prepared[i] = records.apply(i);
        }
        LineFormatter<T> formatter = LineFormatter.of(format, schema);
        long bytes = 0;
        ByteLine line = new ByteLine(1024);
        long start = System.nanoTime();
        for (T record : prepared) {
            line.reset();
            formatter.format(record, line);
            bytes += line.size();
        }
        long formatNanos = System.nanoTime() - start;

        Path dir = Files.createTempDirectory("log-cost");
        Path file = dir.resolve(name + ".log");
        LogSettings settings = LogSettings.of(file, format).withQueueCapacity(N);
        try (LogWriter<T> writer = new WriterSetup().start(schema, settings, new SimpleMeterRegistry())) {
            start = System.nanoTime();
            for (T record : prepared) {
                writer.offer(record);
            }
            long offerNanos = System.nanoTime() - start;
            writer.flush(Duration.ofMinutes(1));
            long totalNanos = System.nanoTime() - start;
            System.out.printf("%-10s %-4s %4d B/line  format %4d ns  offer %4d ns  offer->on disk %4d ns/record%n",
                    name, format, bytes / N, formatNanos / N, offerNanos / N, totalNanos / N);
        }
        Files.delete(file);
        Files.delete(dir);
    }
}
