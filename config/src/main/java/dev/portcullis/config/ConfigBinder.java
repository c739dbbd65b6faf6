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

    /**
     * A handshake waits for a responder at most until shortly before its own timeout: an
     * ocsp.timeout that does not fit would never be reached, so it is a mistake in the config.
     */
    private static void ocspWithinHandshake(Node list, List<TrustStoreConfig> stores, java.time.Duration handshakeTimeout) {
        List<Node> items = list.items();
        if (items.size() != stores.size()) {
            return; // an entry with problems was left out (and refuses the config): indexes would not match
        }
        for (int i = 0; i < stores.size(); i++) {
            TrustStoreConfig ts = stores.get(i);
            if (ts.useClientCertificateOcspEndpoint() && ts.ocsp().timeout().plusMillis(250).compareTo(handshakeTimeout) > 0) {
                items.get(i).problem("ocsp.timeout " + ts.ocsp().timeout().toMillis() + "ms does not fit in server.handshakeTimeout "
                        + handshakeTimeout.toMillis() + "ms (a handshake waits for a responder until 250 ms before its"
                        + " own timeout): lower it or raise the handshake timeout");
            }
        }
    }

    /** @param local for a fleet push: the node's own config, whose server, logging and fleet are used */
    static Optional<EdgeConfig> bind(Node root, Path source, EdgeConfig local) {
        int mark = root.problems().mark();
        return root.mapping("server", "distributions", "trustStores", "keyValueStores", "connectionFunctions",
                "functions", "logging", "fleet").flatMap(m -> {
                    Optional<ServerConfig> server;
                    if (local != null) {
                        for (String own : new String[] {"server", "logging", "fleet"}) {
                            if (m.get(own).present()) {
                                m.get(own).problem("is each node's own: a fleet push does not carry it");
                            }
                        }
                        server = Optional.of(local.server());
                    } else {
                        server = ServerBinder.bind(m.get("server"));
                    }
                    ResourceBinder resources = new ResourceBinder();
                    List<TrustStoreConfig> trustStores = resources.trustStores(m.get("trustStores"));
                    List<KeyValueStoreConfig> stores = resources.keyValueStores(m.get("keyValueStores"));
                    List<ConnectionFunctionConfig> functions = resources.connectionFunctions(m.get("connectionFunctions"));
                    List<FunctionConfig> viewerFunctions = resources.viewerFunctions(m.get("functions"));
                    List<Distribution> distributions = new DistributionBinder(resources).bind(m.get("distributions"));
                    LoggingConfig logging = local != null ? local.logging() : LoggingBinder.bind(m.get("logging"));
                    Optional<FleetConfig> fleet = local != null ? local.fleet() : FleetBinder.bind(m.get("fleet"));
                    server.ifPresent(s -> ocspWithinHandshake(m.get("trustStores"), trustStores, s.handshakeTimeout()));
                    if (root.problems().since(mark)) {
                        return Optional.empty();
                    }
                    return Optional.of(new EdgeConfig(source, server.orElseThrow(), distributions, trustStores, stores,
                            functions, viewerFunctions, logging, fleet));
                });
    }
}
