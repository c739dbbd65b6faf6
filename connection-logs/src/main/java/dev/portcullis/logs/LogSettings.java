package dev.portcullis.logs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where and how one log is written. Plain values so that this module does not depend on the config classes.
 *
 * @param file           the log file, or {@code null} for standard output
 * @param format         JSON lines or W3C
 * @param rotateBytes    rotate before a record would take the file past this size; 0 turns size rotation off
 * @param rotateInterval rotate a file that has been open this long and holds records; {@code null} for never
 * @param maxFiles       how many rotated files to keep ({@code access.log.1} newest ... {@code access.log.N}
 *                       oldest); 0 discards a file when it is rotated
 * @param queueCapacity  records that may wait for the writer thread; more are dropped and counted
 */
public record LogSettings(Path file, LogFormat format, long rotateBytes, Duration rotateInterval, int maxFiles,
                          int queueCapacity) {

    /** The destination string that means standard output. */
    public static final String STDOUT = "stdout";
    public static final int DEFAULT_QUEUE_CAPACITY = 65_536;
    public static final int DEFAULT_MAX_FILES = 5;

    public LogSettings {
        Objects.requireNonNull(format, "log format");
        if (rotateBytes < 0) {
            throw new IllegalArgumentException("log rotation size must be 0 (off) or positive, got " + rotateBytes);
        }
        if (rotateInterval != null && (rotateInterval.isZero() || rotateInterval.isNegative())) {
            throw new IllegalArgumentException("log rotation interval must be positive, got " + rotateInterval);
        }
        if (maxFiles < 0) {
            throw new IllegalArgumentException("log maxFiles must be 0 or more, got " + maxFiles);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("log queue capacity must be at least 1, got " + queueCapacity);
        }
        if (file == null && (rotateBytes > 0 || rotateInterval != null)) {
            throw new IllegalArgumentException("log rotation needs a file destination, not stdout");
        }
    }

    /** {@code destination} is {@code "stdout"} or a file path; no rotation, default queue. */
    public static LogSettings of(String destination, LogFormat format) {
        Objects.requireNonNull(destination, "log destination");
        if (destination.isBlank()) {
            throw new IllegalArgumentException("log destination is empty: use \"stdout\" or a file path");
        }
        Path file = destination.equals(STDOUT) ? null : Path.of(destination);
        return new LogSettings(file, format, 0, null, DEFAULT_MAX_FILES, DEFAULT_QUEUE_CAPACITY);
    }

    public static LogSettings of(Path file, LogFormat format) {
        return new LogSettings(Objects.requireNonNull(file, "log file"), format, 0, null, DEFAULT_MAX_FILES,
                DEFAULT_QUEUE_CAPACITY);
    }

    public LogSettings withRotation(long bytes, Duration interval, int keepFiles) {
        return new LogSettings(file, format, bytes, interval, keepFiles, queueCapacity);
    }

    public LogSettings withQueueCapacity(int capacity) {
        return new LogSettings(file, format, rotateBytes, rotateInterval, maxFiles, capacity);
    }

    public boolean isStdout() {
        return file == null;
    }

    /** The destination as a user wrote it, for messages. */
    public String destination() {
        return file == null ? STDOUT : file.toString();
    }
}
