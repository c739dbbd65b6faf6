package dev.portcullis.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

final class ConfigFixtureOrigins {
    private ConfigFixtureOrigins() {
    }

    static Origin h2c(String id) {
        return new Origin(id, URI.create("h2c://127.0.0.1:9000"), OriginProtocol.H2C, "127.0.0.1", 9000,
                Duration.ofSeconds(5), Duration.ofSeconds(30), Optional.empty(), Optional.empty());
    }
}
