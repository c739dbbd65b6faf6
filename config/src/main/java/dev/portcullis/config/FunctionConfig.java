package dev.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A CloudFront Function (cloudfront-js-2.0) run on viewer requests or responses of the cache behaviors
 * that associate it ({@code functions} in the config, beside {@code connectionFunctions}).
 *
 * @param keyValueStoreAssociations names of the stores it may read (CloudFront allows at most one)
 * @param timeout                   guest CPU time allowed per run (default 5ms, as connection functions)
 * @param maxMemoryBytes            memory allowed to the guest (default 2MB, CloudFront's)
 */
public record FunctionConfig(String name, Path code, List<String> keyValueStoreAssociations, Duration timeout,
                             long maxMemoryBytes) {
    public FunctionConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(code, "code");
        keyValueStoreAssociations = List.copyOf(keyValueStoreAssociations);
        Objects.requireNonNull(timeout, "timeout");
        if (maxMemoryBytes <= 0) {
            throw new IllegalArgumentException("maxMemoryBytes must be positive");
        }
    }
}
