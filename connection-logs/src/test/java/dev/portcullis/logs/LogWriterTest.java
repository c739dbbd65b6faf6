package dev.portcullis.logs;

import static dev.portcullis.logs.Fixtures.await;
import static dev.portcullis.logs.Fixtures.lines;
import static dev.portcullis.logs.Fixtures.parseJson;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogWriterTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String W3C_HEADER_START = "#Version: 1.0";

    @TempDir
    Path dir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void recordsFromSeveralThreadsAreWrittenExactlyOnceInWholeLines() throws Exception {
        Path file = dir.resolve("connection.log");
        int threads = 4;
        int perThread = 5_000;
        try (LogWriter<ConnectionRecord> writer = LogWriter.connectionLog(LogSettings.of(file, LogFormat.JSON),
                registry)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> producers = startProducers(threads, perThread, start,
                    id -> assertThat(writer.offer(Fixtures.connection(id))).isTrue());
            start.countDown();
            for (Thread producer : producers) {
                producer.join();
            }
            assertThat(writer.flush(WAIT)).isTrue();
        }

        Set<String> ids = new HashSet<>();
        for (String line : lines(file)) {
            assertThat(ids.add((String) parseJson(line).get("connectionId"))).as("unique %s", line).isTrue();
        }
        assertThat(ids).hasSize(threads * perThread);
        assertThat(written("connection")).isEqualTo(threads * perThread);
        assertThat(dropped("connection")).isZero();
    }

    /**
     * Lines are formatted into each offering thread's own block; full blocks go through the queue and partly
     * filled ones are taken over by the writer (here forced by flushes while the producers keep going).
     * Whatever path a block takes, each thread's records must come out in the order it offered them, and a
     * flush must cover everything its own thread offered before it.
     */
    @Test
    void eachThreadsRecordsStayInTheOrderItOfferedThemAndFlushCoversThem() throws Exception {
        Path file = dir.resolve("connection.log");
        int threads = 3;
        int perThread = 20_000;
        AtomicLong flushMisses = new AtomicLong();
        try (LogWriter<ConnectionRecord> writer = LogWriter.connectionLog(LogSettings.of(file, LogFormat.JSON),
                registry)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> producers = startProducers(threads, perThread, start, id -> {
                writer.offer(Fixtures.connection(id));
                if (id % perThread % 4_999 == 0 && !(writer.flush(WAIT) && fileContains(file, "\"conn-" + id + "\""))) {
                    flushMisses.incrementAndGet();
                }
            });
            start.countDown();
            int flushes = 0;
            while (producers.stream().anyMatch(Thread::isAlive)) {
                assertThat(writer.flush(WAIT)).isTrue();
                flushes++;
            }
            for (Thread producer : producers) {
                producer.join();
            }
            assertThat(writer.flush(WAIT)).isTrue();
            assertThat(flushes).isPositive();
        }

        int[] next = new int[threads];
        for (String line : lines(file)) {
            int id = Integer.parseInt(((String) parseJson(line).get("connectionId")).substring("conn-".length()));
            int thread = id / perThread;
            assertThat(id % perThread).as("thread %d's next record", thread).isEqualTo(next[thread]++);
        }
        assertThat(next).containsOnly(perThread);
        assertThat(flushMisses).hasValue(0);
        assertThat(dropped("connection")).isZero();
    }

    /**
     * Threads that wait for {@code start}, then each hand {@code offer} its own ids in order: thread t the
     * ids {@code t * perThread} up to {@code (t + 1) * perThread - 1}.
     */
    private static List<Thread> startProducers(int threads, int perThread, CountDownLatch start, IntConsumer offer) {
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * perThread;
            producers.add(Thread.ofPlatform().start(() -> {
                awaitQuietly(start);
                for (int i = 0; i < perThread; i++) {
                    offer.accept(base + i);
                }
            }));
        }
        return producers;
    }

    private static boolean fileContains(Path file, String text) {
        try {
            return Files.readString(file).contains(text);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void closeWritesEverythingStillQueued() {
        Path file = dir.resolve("access.log");
        LogWriter<AccessRecord> writer = LogWriter.accessLog(LogSettings.of(file, LogFormat.W3C), registry);
        for (int i = 0; i < 20_000; i++) {
            writer.offer(Fixtures.access(i));
        }
        writer.close();

        List<String> lines = lines(file);
        assertThat(lines).hasSize(2 + 20_000);
        assertThat(lines.get(0)).isEqualTo(W3C_HEADER_START);
        assertThat(lines.get(2)).contains("\treq-0\t");
        assertThat(lines.get(lines.size() - 1)).contains("\treq-19999\t");
        assertThat(writer.offer(Fixtures.access(1))).as("offer after close").isFalse();
        assertThat(dropped("access")).isEqualTo(1);
    }

    @Test
    void sizeRotationKeepsMaxFilesAndStartsEachFileWithHeaders() {
        Path file = dir.resolve("access.log");
        LogSettings settings = LogSettings.of(file, LogFormat.W3C).withRotation(2_000, null, 3);
        try (LogWriter<AccessRecord> writer = LogWriter.accessLog(settings, registry)) {
            for (int i = 0; i < 200; i++) {
                writer.offer(Fixtures.access(i));
                if (i % 7 == 0) {
                    writer.flush(WAIT); // rotation must work across batches as well as within one
                }
            }
            assertThat(writer.flush(WAIT)).isTrue();
        }

        List<Path> kept = List.of(file.resolveSibling("access.log.3"), file.resolveSibling("access.log.2"),
                file.resolveSibling("access.log.1"), file);
        assertThat(file.resolveSibling("access.log.4")).doesNotExist();
        List<String> records = new ArrayList<>();
        for (Path path : kept) {
            assertThat(path).exists();
            assertThat(sizeOf(path)).isLessThanOrEqualTo(2_000);
            List<String> lines = lines(path);
            assertThat(lines.get(0)).isEqualTo(W3C_HEADER_START);
            assertThat(lines.get(1)).startsWith("#Fields: date time ");
            records.addAll(lines.subList(2, lines.size()));
        }
        // The newest records survive, in order, with nothing lost between the kept files.
        assertThat(records.get(records.size() - 1)).contains("\treq-199\t");
        int first = 200 - records.size();
        for (int i = 0; i < records.size(); i++) {
            assertThat(records.get(i)).contains("\treq-" + (first + i) + "\t");
        }
    }

    @Test
    void intervalRotationStartsANewFileWhenTheOldOneIsOldEnough() {
        Path file = dir.resolve("connection.log");
        AtomicLong now = new AtomicLong(1_000_000);
        WriterSetup setup = new WriterSetup();
        setup.clock = now::get;
        LogSettings settings = LogSettings.of(file, LogFormat.JSON).withRotation(0, Duration.ofHours(1), 2);
        try (LogWriter<ConnectionRecord> writer = setup.start(ConnectionLogSchema.INSTANCE, settings, registry)) {
            writer.offer(Fixtures.connection(1));
            writer.flush(WAIT);
            now.addAndGet(Duration.ofMinutes(59).toMillis());
            writer.offer(Fixtures.connection(2));
            writer.flush(WAIT);
            now.addAndGet(Duration.ofMinutes(1).toMillis());
            writer.offer(Fixtures.connection(3));
            writer.flush(WAIT);
        }

        assertThat(lines(file.resolveSibling("connection.log.1"))).hasSize(2);
        assertThat(lines(file)).singleElement().asString().contains("\"conn-3\"");
    }

    @Test
    void reopenCreatesTheFileAgainAfterLogrotateMovedIt() throws Exception {
        Path file = dir.resolve("access.log");
        Path moved = dir.resolve("access.log.moved");
        try (LogWriter<AccessRecord> writer = LogWriter.accessLog(LogSettings.of(file, LogFormat.W3C), registry)) {
            writer.offer(Fixtures.access(1));
            writer.flush(WAIT);
            Files.move(file, moved);

            assertThat(writer.reopen()).isTrue();
            writer.offer(Fixtures.access(2));
            writer.flush(WAIT);
        }

        assertThat(lines(moved)).hasSize(3).last().asString().contains("\treq-1\t");
        assertThat(lines(file)).hasSize(3).first().isEqualTo(W3C_HEADER_START);
        assertThat(lines(file).get(2)).contains("\treq-2\t");
    }

    @Test
    void writerNoticesADeletedFileByItselfAndRecreatesIt() throws Exception {
        Path file = dir.resolve("connection.log");
        WriterSetup setup = new WriterSetup();
        setup.checkInterval = Duration.ofMillis(20);
        try (LogWriter<ConnectionRecord> writer = setup.start(ConnectionLogSchema.INSTANCE,
                LogSettings.of(file, LogFormat.W3C), registry)) {
            writer.offer(Fixtures.connection(1));
            writer.flush(WAIT);
            Files.delete(file);

            await("the log file to be recreated", () -> Files.exists(file));
            writer.offer(Fixtures.connection(2));
            writer.flush(WAIT);
        }

        List<String> lines = lines(file);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo(W3C_HEADER_START);
        assertThat(lines.get(2)).startsWith("1767225600002\tconn-2\t");
    }

    @Test
    void writerNoticesARenamedFileByItself() throws Exception {
        Path file = dir.resolve("connection.log");
        WriterSetup setup = new WriterSetup();
        setup.checkInterval = Duration.ofMillis(20);
        try (LogWriter<ConnectionRecord> writer = setup.start(ConnectionLogSchema.INSTANCE,
                LogSettings.of(file, LogFormat.JSON), registry)) {
            writer.offer(Fixtures.connection(1));
            writer.flush(WAIT);
            Files.move(file, dir.resolve("connection.log.old"));

            await("the log file to be recreated", () -> Files.exists(file));
            writer.offer(Fixtures.connection(2));
            writer.flush(WAIT);
        }

        assertThat(lines(dir.resolve("connection.log.old"))).singleElement().asString().contains("conn-1");
        assertThat(lines(file)).singleElement().asString().contains("conn-2");
    }

    @Test
    void appendingToAFileWithAHalfLineStartsOnAFreshLine() throws Exception {
        Path file = dir.resolve("connection.log");
        Files.writeString(file, "{\"eventTimestamp\":1,\"connec");
        try (LogWriter<ConnectionRecord> writer = LogWriter.connectionLog(LogSettings.of(file, LogFormat.JSON),
                registry)) {
            writer.offer(Fixtures.connection(2));
            writer.flush(WAIT);
        }

        assertThat(lines(file)).hasSize(2);
        assertThat(parseJson(lines(file).get(1))).containsEntry("connectionId", "conn-2");
    }

    @Test
    void stdoutGetsTheHeaderOnceAndEveryRecord() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WriterSetup setup = new WriterSetup();
        setup.stdout = out;
        try (LogWriter<AccessRecord> writer = setup.start(AccessLogSchema.INSTANCE,
                LogSettings.of("stdout", LogFormat.W3C), registry)) {
            writer.offer(Fixtures.access(1));
            writer.flush(WAIT);
            assertThat(writer.reopen()).isTrue();
            writer.offer(Fixtures.access(2));
            writer.flush(WAIT);
        }

        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).isEqualTo(W3C_HEADER_START);
        assertThat(lines[3]).contains("\treq-2\t");
    }

    private double written(String log) {
        return registry.get("portcullis.log.records.written").tag("log", log).counter().count();
    }

    private double dropped(String log) {
        return registry.get("portcullis.log.records.dropped").tag("log", log).counter().count();
    }

    private static long sizeOf(Path path) {
        try {
            return Files.size(path);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
