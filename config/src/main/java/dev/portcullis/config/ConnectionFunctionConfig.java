package dev.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A JavaScript connection function run during the handshake.
 *
 * @param keyValueStoreAssociations names of the stores it may read (CloudFront allows at most one)
 * @param timeout                   guest time allowed per run (default 5ms)
 * @param maxMemoryBytes            memory allowed to the guest (default 2MB)
 */
public record ConnectionFunctionConfig(String name, Path code, List<String> keyValueStoreAssociations,
                                       Duration timeout, long maxMemoryBytes) {
    static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(5);
    static final long DEFAULT_MAX_MEMORY_BYTES = 2L << 20;

    public ConnectionFunctionConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(code, "code");
        keyValueStoreAssociations = List.copyOf(keyValueStoreAssociations);
        Objects.requireNonNull(timeout, "timeout");
        if (maxMemoryBytes <= 0) {
            throw new IllegalArgumentException("maxMemoryBytes must be positive");
        }
    }
}
