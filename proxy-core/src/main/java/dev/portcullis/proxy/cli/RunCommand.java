package dev.portcullis.proxy.cli;

import dev.portcullis.config.EdgeConfig;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true, description = "Start the edge node from a config file.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The YAML (or JSON) config file.")
    Path config;

    @Override
    public Integer call() {
        Optional<EdgeConfig> loaded = ConfigFiles.load(config);
        if (loaded.isEmpty()) {
            return 2;
        }
        return NodeRunner.run(loaded.get(), () -> { });
    }
}
