package dev.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The optional {@code logging} section. */
final class LoggingBinder {
    private LoggingBinder() {
    }

    static LoggingConfig bind(Node node) {
        return node.mapping("connectionLogs", "accessLogs").map(m -> {
            Optional<LogConfig> connection = log(m.get("connectionLogs"));
            Optional<LogConfig> access = log(m.get("accessLogs"));
            if (connection.isPresent() && access.isPresent() && connection.get().file().isPresent()
                    && connection.get().file().equals(access.get().file())) {
                m.get("accessLogs").problem("writes to the same file as connectionLogs: "
                        + access.get().file().get());
            }
            return new LoggingConfig(connection, access);
        }).orElse(LoggingConfig.NONE);
    }

    private static Optional<LogConfig> log(Node node) {
        int mark = node.problems().mark();
        return node.mapping("destination", "format", "rotateSize", "rotateInterval", "maxFiles").flatMap(m -> {
            Node destinationNode = m.get("destination");
            Optional<String> destination = destinationNode.required("a file path or stdout")
                    ? destinationNode.string() : Optional.empty();
            boolean stdout = destination.filter(LogConfig.STDOUT::equals).isPresent();
            Optional<Path> file = stdout ? Optional.empty() : destination.flatMap(destinationNode::resolve);
            LogFormat format = Choices.parse(m.get("format"), LogFormat.class, "log format").orElse(LogFormat.JSON);
            long rotateSize = m.get("rotateSize").size().orElse(0L);
            Optional<Duration> rotateInterval = m.get("rotateInterval").duration();
            int maxFiles = m.get("maxFiles").integer(1).orElse(LogConfig.DEFAULT_MAX_FILES);
            if (stdout) {
                for (String key : new String[] {"rotateSize", "rotateInterval", "maxFiles"}) {
                    if (m.get(key).present()) {
                        m.get(key).problem("rotation applies to log files, not to stdout");
                    }
                }
            }
            if (node.problems().since(mark)) {
                return Optional.empty();
            }
            return Optional.of(new LogConfig(destination.orElseThrow(), file, format, rotateSize, rotateInterval, maxFiles));
        });
    }
}
