package dev.portcullis.proxy.cli;

import dev.portcullis.config.EdgeConfig;
import dev.portcullis.proxy.tls.GenerationBuilder;
import dev.portcullis.proxy.StartupException;
import dev.portcullis.proxy.tls.EngineBindings;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a config file and everything it references (certificates, keys, trust stores) without starting. "
                + "Exits 0 when valid, else prints every problem and exits 2.")
final class ValidateCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The YAML (or JSON) config file.")
    Path config;

    @Override
    public Integer call() {
        Optional<EdgeConfig> loaded = ConfigFiles.load(config);
        if (loaded.isEmpty()) {
            return 2;
        }
        try {
            new GenerationBuilder(new EngineBindings()).build(loaded.get(), 1).close();
        } catch (StartupException e) {
            System.err.println(config + ": invalid:");
            for (String line : e.getMessage().split("\n")) {
                System.err.println("  " + line);
            }
            return 2;
        }
        System.out.println(config + ": valid (" + loaded.get().distributions().size() + " distribution(s))");
        return 0;
    }
}
