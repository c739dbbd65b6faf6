package dev.portcullis.config;

import java.util.Objects;
import java.util.Optional;

/** Where connection and access logs go; absent means that log is not written. */
public record LoggingConfig(Optional<LogConfig> connectionLogs, Optional<LogConfig> accessLogs) {
    public static final LoggingConfig NONE = new LoggingConfig(Optional.empty(), Optional.empty());

    public LoggingConfig {
        Objects.requireNonNull(connectionLogs, "connectionLogs");
        Objects.requireNonNull(accessLogs, "accessLogs");
    }
}
