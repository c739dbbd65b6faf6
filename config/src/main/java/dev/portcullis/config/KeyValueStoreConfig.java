package dev.portcullis.config;

import java.nio.file.Path;
import java.util.Objects;

/** A named KeyValueStore and the JSON file (CloudFront's import format) it is loaded from. */
public record KeyValueStoreConfig(String name, Path importSource) {
    public KeyValueStoreConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(importSource, "importSource");
    }
}
