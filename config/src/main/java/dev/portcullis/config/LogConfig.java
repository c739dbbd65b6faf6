package dev.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One log stream.
 *
 * @param destination     as written: a file path or {@code stdout}
 * @param file            the resolved file, or empty for {@code stdout}
 * @param rotateSizeBytes rotate when the file reaches this size; 0 = no size rotation
 * @param rotateInterval  rotate this often, if set
 * @param maxFiles        rotated files to keep (default 10)
 */
public record LogConfig(String destination, Optional<Path> file, LogFormat format,
                        long rotateSizeBytes, Optional<Duration> rotateInterval, int maxFiles) {
    public static final String STDOUT = "stdout";
    static final int DEFAULT_MAX_FILES = 10;

    public LogConfig {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(rotateInterval, "rotateInterval");
        if (rotateSizeBytes < 0 || maxFiles < 1) {
            throw new IllegalArgumentException("rotateSizeBytes must be >= 0 and maxFiles >= 1");
        }
    }

    public boolean toStdout() {
        return file.isEmpty();
    }
}
