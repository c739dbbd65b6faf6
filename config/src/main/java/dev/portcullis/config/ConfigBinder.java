package dev.portcullis.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The document root. Shared resources are bound before distributions so that every reference can be
 * checked in one pass; the order of problems therefore follows this order, not the file's.
 */
final class ConfigBinder {
    private ConfigBinder() {
    }

    static Optional<EdgeConfig> bind(Node root, Path source) {
        int mark = root.problems().mark();
        return root.mapping("server", "distributions", "trustStores", "keyValueStores", "connectionFunctions",
                "logging").flatMap(m -> {
                    Optional<ServerConfig> server = ServerBinder.bind(m.get("server"));
                    ResourceBinder resources = new ResourceBinder();
                    List<TrustStoreConfig> trustStores = resources.trustStores(m.get("trustStores"));
                    List<KeyValueStoreConfig> stores = resources.keyValueStores(m.get("keyValueStores"));
                    List<ConnectionFunctionConfig> functions = resources.connectionFunctions(m.get("connectionFunctions"));
                    List<Distribution> distributions = new DistributionBinder(resources).bind(m.get("distributions"));
                    LoggingConfig logging = LoggingBinder.bind(m.get("logging"));
                    if (root.problems().since(mark)) {
                        return Optional.empty();
                    }
                    return Optional.of(new EdgeConfig(source, server.orElseThrow(), distributions, trustStores, stores,
                            functions, logging));
                });
    }
}
