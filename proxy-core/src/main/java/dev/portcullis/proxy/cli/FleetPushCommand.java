package dev.portcullis.proxy.cli;

import dev.portcullis.config.EdgeConfig;
import dev.portcullis.fleet.FleetException;
import dev.portcullis.fleet.FleetPush;
import dev.portcullis.proxy.StartupException;
import dev.portcullis.proxy.tls.EngineBindings;
import dev.portcullis.proxy.tls.GenerationBuilder;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "push", mixinStandardHelpOptions = true,
        description = "Upload a config's distributions, trust stores (bundles, CRLs), KeyValueStore imports and functions, "
                + "with every file they name, to the fleet's etcd (the config's fleet section): every node applies it as a "
                + "reload, and from then on serves what was pushed rather than its own files. Each node keeps its own "
                + "server, logging and fleet sections. The config is built here first (as validate does); each node "
                + "builds it again and refuses it whole if it does not build there. Exits 0 when pushed, 2 when invalid, "
                + "1 when etcd cannot be reached.")
final class FleetPushCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The YAML (or JSON) config file, with a fleet section.")
    Path config;

    @Option(names = "--skip-build", description = "Push a config that loads without building it here first (the nodes "
            + "still build it before they apply it, and refuse it if it does not build).")
    boolean skipBuild;

    @Override
    public Integer call() {
        Optional<EdgeConfig> loaded = ConfigFiles.load(config);
        if (loaded.isEmpty()) {
            return 2;
        }
        if (!skipBuild) {
            try {
                new GenerationBuilder(new EngineBindings()).build(loaded.get(), 1).close();
            } catch (StartupException e) {
                System.err.println(config + ": invalid, not pushed:");
                for (String line : e.getMessage().split("\n")) {
                    System.err.println("  " + line);
                }
                return 2;
            }
        }
        try {
            FleetPush.Result result = FleetPush.push(loaded.get());
            System.out.println(config + ": pushed at etcd revision " + result.revision() + " (" + result.files() + " file(s), "
                    + result.uploaded() + " new); GET /fleet/status on a node shows whether it applied it");
            return 0;
        } catch (FleetException e) {
            System.err.println("portcullis fleet push: " + e.getMessage());
            return e.getMessage().startsWith("fleet: ") ? 2 : 1;
        } catch (java.io.IOException e) {
            System.err.println("portcullis fleet push: " + e.getMessage());
            return 2;
        }
    }
}
