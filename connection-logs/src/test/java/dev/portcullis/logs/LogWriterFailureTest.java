package dev.portcullis.logs;

import static dev.portcullis.logs.Fixtures.await;
import static dev.portcullis.logs.Fixtures.lines;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class LogWriterFailureTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger writerLogger = (Logger) LoggerFactory.getLogger(LogWriter.class);

    @BeforeEach
    void captureLog() {
        logged.start();
        writerLogger.addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        writerLogger.detachAppender(logged);
    }

    @Test
    void fullQueueDropsTheNewestRecordsAndCountsThem() throws Exception {
        BlockingTarget target = new BlockingTarget();
        WriterSetup setup = new WriterSetup();
        setup.target = target;
        LogSettings settings = LogSettings.of(dir.resolve("access.log"), LogFormat.JSON).withQueueCapacity(4);
        try (LogWriter<AccessRecord> writer = setup.start(AccessLogSchema.INSTANCE, settings, registry)) {
            writer.offer(Fixtures.access(0));
            assertThat(target.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the writer is stuck in write()

            int accepted = 0;
            for (int i = 1; i <= 100; i++) {
                if (writer.offer(Fixtures.access(i))) {
                    accepted++;
                }
            }

            assertThat(accepted).isEqualTo(4);
            assertThat(writer.queued()).isEqualTo(4);
            assertThat(dropped("access")).isEqualTo(96);
            assertThat(registry.get("portcullis.log.queue.depth").tag("log", "access").gauge().value())
                    .isEqualTo(4);
            target.release.countDown();
            assertThat(writer.flush(WAIT)).isTrue();
        }
        // The oldest records were kept: 0 (in the stuck write) and 1..4.
        assertThat(target.text()).contains("\"req-0\"", "\"req-1\"", "\"req-4\"").doesNotContain("\"req-5\"");
        assertThat(written("access")).isEqualTo(5);
    }

    @Test
    void aRecordThatFailsHalfWayThroughFormattingIsDroppedWithoutLeavingPartOfItsLine() throws Exception {
        // Lines are formatted straight into the offering thread's block: a failure after some fields must be
        // cut off again, and must not take the block's earlier lines with it.
        LogSchema<AccessRecord> failsOnOddRequests = new LogSchema<>() {
            @Override
            public String name() {
                return "access";
            }

            @Override
            public List<String> fieldNames() {
                return AccessLogSchema.INSTANCE.fieldNames();
            }

            @Override
            public void write(AccessRecord record, FieldSink sink) {
                if (record.requestId().endsWith("1") || record.requestId().endsWith("3")) {
                    sink.utcDateAndTime(record.timestamp());
                    sink.text(record.clientIp());
                    throw new IllegalArgumentException("broken record " + record.requestId());
                }
                AccessLogSchema.INSTANCE.write(record, sink);
            }
        };
        for (LogFormat format : LogFormat.values()) {
            Path file = dir.resolve("access-" + format + ".log");
            try (LogWriter<AccessRecord> writer = new WriterSetup().start(failsOnOddRequests,
                    LogSettings.of(file, format), registry)) {
                for (int i = 0; i < 5; i++) {
                    // Formatted by the offering thread: the caller learns at once that the record is dropped.
                    assertThat(writer.offer(Fixtures.access(i))).isEqualTo(i % 2 == 0);
                }
                assertThat(writer.flush(WAIT)).isTrue();
            }
            List<String> records = lines(file).stream().filter(line -> !line.startsWith("#")).toList();
            assertThat(records).hasSize(3).allSatisfy(line -> {
                if (format == LogFormat.JSON) {
                    assertThat(Fixtures.parseJson(line)).hasSize(22);
                } else {
                    assertThat(line.split("\t", -1)).hasSize(22);
                }
            });
            assertThat(records.get(0)).contains("req-0").endsWith(format == LogFormat.JSON ? "}" : "Miss");
            assertThat(records.get(1)).contains("req-2").doesNotContain("req-1");
            assertThat(records.get(2)).contains("req-4").doesNotContain("req-3");
        }
        assertThat(dropped("access")).isEqualTo(4);
        assertThat(written("access")).isEqualTo(6);
        assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.ERROR).hasSize(2)
                .allSatisfy(e -> assertThat(e.getFormattedMessage()).contains("cannot format a record"));
    }

    @Test
    void unwritableDestinationNeverThrowsCountsDropsLogsOnceAndRecovers() throws Exception {
        Path blocker = dir.resolve("logs");
        Files.writeString(blocker, "a file where a directory should be");
        Path file = blocker.resolve("connection.log");
        WriterSetup setup = new WriterSetup();
        setup.checkInterval = Duration.ofMillis(20);
        try (LogWriter<ConnectionRecord> writer = setup.start(ConnectionLogSchema.INSTANCE,
                LogSettings.of(file, LogFormat.JSON), registry)) {
            for (int i = 0; i < 50; i++) {
                assertThat(writer.offer(Fixtures.connection(i))).isTrue();
                if (i % 10 == 0) {
                    assertThat(writer.flush(WAIT)).isTrue();
                }
            }
            assertThat(writer.flush(WAIT)).isTrue();
            assertThat(dropped("connection")).isEqualTo(50);
            assertThat(written("connection")).isZero();
            assertThat(warnings()).hasSize(1);
            assertThat(logged.list.get(0).getFormattedMessage()).contains("connection log", file.toString(),
                    "cannot open");
            assertThat(logged.list.get(0).getThrowableProxy()).isNull();

            Files.delete(blocker);
            Files.createDirectory(blocker);
            await("a record to be written after the destination came back", () -> {
                writer.offer(Fixtures.connection(1_000));
                writer.flush(WAIT);
                return written("connection") > 0;
            });
        }

        assertThat(warnings()).hasSize(1);
        String droppedDuringOutage = (long) dropped("connection") + " records were dropped";
        assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.INFO)
                .singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
                .contains("writing again", droppedDuringOutage);
        assertThat(lines(file)).isNotEmpty().allMatch(line -> line.contains("\"conn-1000\""));
    }

    @Test
    void failingWritesAreCountedAsDroppedAndReportedOncePerOutage() throws Exception {
        FailingTarget target = new FailingTarget();
        WriterSetup setup = new WriterSetup();
        setup.target = target;
        setup.checkInterval = Duration.ofMillis(1);
        try (LogWriter<AccessRecord> writer = setup.start(AccessLogSchema.INSTANCE,
                LogSettings.of(dir.resolve("a.log"), LogFormat.W3C), registry)) {
            writer.offer(Fixtures.access(-1));
            writer.flush(WAIT);
            assertThat(written("access")).isEqualTo(1);
            target.full = true;
            for (int i = 0; i < 30; i++) {
                writer.offer(Fixtures.access(i));
                writer.flush(WAIT);
            }
            assertThat(dropped("access")).isEqualTo(30);
            assertThat(warnings()).singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
                    .contains("cannot write", "No space left on device");

            target.full = false;
            await("writes to succeed again", () -> {
                writer.offer(Fixtures.access(99));
                writer.flush(WAIT);
                return written("access") > 1;
            });
        }
        assertThat(warnings()).hasSize(1);
    }

    private java.util.List<ILoggingEvent> warnings() {
        return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    }

    private double written(String log) {
        return registry.get("portcullis.log.records.written").tag("log", log).counter().count();
    }

    private double dropped(String log) {
        return registry.get("portcullis.log.records.dropped").tag("log", log).counter().count();
    }

    /** A target whose first write blocks until released, as a stalled disk would. */
    private static final class BlockingTarget extends MemoryTarget {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.write(bytes, offset, length);
        }
    }

    /** A target that fails every open and write while {@code full}, as a full disk does. */
    private static final class FailingTarget extends MemoryTarget {
        volatile boolean full;

        @Override
        public void open(long nowMillis) throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
            super.open(nowMillis);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (full) {
                throw new IOException("No space left on device");
            }
            super.write(bytes, offset, length);
        }
    }

    private static class MemoryTarget implements LogTarget {
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private boolean open;

        @Override
        public void open(long nowMillis) throws IOException {
            open = true;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void write(byte[] data, int offset, int length) throws IOException {
            bytes.write(data, offset, length);
        }

        @Override
        public long size() {
            return bytes.size();
        }

        @Override
        public boolean hasRecords() {
            return bytes.size() > 0;
        }

        @Override
        public long openedAt() {
            return 0;
        }

        @Override
        public void rotate(long nowMillis) {
        }

        @Override
        public boolean movedOrDeleted() {
            return false;
        }

        @Override
        public void close() {
            open = false;
        }

        String text() {
            return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
