package dev.portcullis.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The {@code server} section. */
final class ServerBinder {
    private ServerBinder() {
    }

    static Optional<ServerConfig> bind(Node node) {
        int mark = node.problems().mark();
        Optional<Mapping> section = node.requiredMapping("listen", "admin", "handshakeTimeout", "drainTimeout",
                "idleTimeout", "handshakeThreads", "maxConnections", "requestHeaderTimeout", "requestBodyTimeout",
                "maxConnectionsPerClientIp", "maxHandshakesPerClientIp", "allowUnderscoresInHeaders",
                "dataDir", "watchConfig", "adminTls");
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Mapping server = section.get();
        Optional<InetSocketAddress> listen = address(server.get("listen"), true, 0);
        // Port 0 (ephemeral) is allowed for both, as tests and side-by-side runs need it.
        Optional<InetSocketAddress> admin = address(server.get("admin"), false, 0);
        Duration handshake = server.get("handshakeTimeout").duration().orElse(ServerConfig.DEFAULT_HANDSHAKE_TIMEOUT);
        Duration drain = server.get("drainTimeout").duration().orElse(ServerConfig.DEFAULT_DRAIN_TIMEOUT);
        Duration idle = server.get("idleTimeout").duration().orElse(ServerConfig.DEFAULT_IDLE_TIMEOUT);
        int threads = server.get("handshakeThreads").integer(0).orElse(0);
        int maxConnections = server.get("maxConnections").integer(0).orElse(ServerConfig.DEFAULT_MAX_CONNECTIONS);
        ViewerLimits limits = new ViewerLimits(
                server.get("requestHeaderTimeout").duration().orElse(ViewerLimits.DEFAULT_REQUEST_HEADER_TIMEOUT),
                server.get("requestBodyTimeout").duration().orElse(ViewerLimits.DEFAULT_REQUEST_BODY_TIMEOUT),
                server.get("maxConnectionsPerClientIp").integer(1).orElse(ViewerLimits.DEFAULT_MAX_CONNECTIONS_PER_CLIENT_IP),
                server.get("maxHandshakesPerClientIp").integer(1).orElse(ViewerLimits.DEFAULT_MAX_HANDSHAKES_PER_CLIENT_IP),
                server.get("allowUnderscoresInHeaders").bool().orElse(false));
        if (listen.isPresent() && admin.isPresent() && clash(listen.get(), admin.get())) {
            server.get("admin").problem("uses the same port as server.listen");
        }
        Node dataDirNode = server.get("dataDir");
        Optional<Path> dataDir = dataDirNode.present() ? dataDirNode.filePath() : dataDirNode.resolve("data");
        boolean watch = server.get("watchConfig").bool().orElse(false);
        Optional<AdminTls> adminTls = adminTls(server.get("adminTls"));
        if (admin.isPresent() && !admin.get().getAddress().isLoopbackAddress() && !server.get("adminTls").present()) {
            server.get("adminTls").problem("is required because server.admin (" + admin.get().getAddress().getHostAddress()
                    + ") is not a loopback address: the admin API writes revocations and reloads trust, so off"
                    + " loopback it only accepts clients with a certificate from adminTls.clientCaBundle"
                    + " (or bind server.admin to 127.0.0.1)");
        }
        if (node.problems().since(mark)) {
            return Optional.empty();
        }
        return Optional.of(new ServerConfig(listen.orElseThrow(), admin, handshake, drain, idle, threads, maxConnections,
                limits, dataDir.orElseThrow(), watch, adminTls));
    }

    private static Optional<AdminTls> adminTls(Node node) {
        return node.mapping("certificate", "privateKey", "clientCaBundle").flatMap(m -> {
            Optional<Path> certificate = m.get("certificate").requiredFile();
            Optional<Path> key = m.get("privateKey").requiredFile();
            Optional<Path> bundle = m.get("clientCaBundle").requiredFile();
            return certificate.isPresent() && key.isPresent() && bundle.isPresent()
                    ? Optional.of(new AdminTls(certificate.get(), key.get(), bundle.get())) : Optional.empty();
        });
    }

    private static Optional<InetSocketAddress> address(Node node, boolean required, int minPort) {
        if (required && !node.required("host:port, as in 0.0.0.0:8443")) {
            return Optional.empty();
        }
        return node.string().flatMap(value -> {
            try {
                return Optional.of(SocketAddresses.parse(value, minPort));
            } catch (IllegalArgumentException e) {
                node.problem(e.getMessage());
                return Optional.empty();
            }
        });
    }

    private static boolean clash(InetSocketAddress listen, InetSocketAddress admin) {
        return listen.getPort() != 0 && listen.getPort() == admin.getPort()
                && (listen.getAddress().equals(admin.getAddress())
                || listen.getAddress().isAnyLocalAddress() || admin.getAddress().isAnyLocalAddress());
    }
}
