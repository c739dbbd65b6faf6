package dev.portcullis.proxy.cli;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.EdgeConfig;
import java.nio.file.Path;
import java.util.Optional;

/** Loads a config file for a command, printing every problem on failure. */
final class ConfigFiles {
    private ConfigFiles() {
    }

    static Optional<EdgeConfig> load(Path file) {
        try {
            return Optional.of(ConfigLoader.load(file));
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return Optional.empty();
        }
    }
}
