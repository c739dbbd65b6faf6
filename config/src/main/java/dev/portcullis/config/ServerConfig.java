package dev.portcullis.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The listening side of the edge node.
 *
 * @param listen           viewer address; port 0 means an ephemeral port (tests)
 * @param admin            health and metrics address, if any
 * @param handshakeTimeout how long a TLS handshake may take (default 10s)
 * @param drainTimeout     how long shutdown waits for in-flight requests (default 10s)
 * @param idleTimeout      how long an idle viewer connection stays open (default 60s)
 * @param handshakeThreads threads for chain checks and connection functions; 0 = number of cores
 * @param maxConnections   concurrent viewer connections (default 50,000); 0 = unlimited, only if
 *                         written so
 * @param limits           per-request timeouts, per-client limits and header rules
 * @param dataDir          where durable state lives (the KeyValueStores' database); default
 *                         {@code data/} next to the config file
 * @param watchConfig      reload when the config file or a file it names changes (default false)
 * @param adminTls         the admin listener's mTLS; required unless {@code admin} is a loopback address
 */
public record ServerConfig(
        InetSocketAddress listen,
        Optional<InetSocketAddress> admin,
        Duration handshakeTimeout,
        Duration drainTimeout,
        Duration idleTimeout,
        int handshakeThreads,
        int maxConnections,
        ViewerLimits limits,
        Path dataDir,
        boolean watchConfig,
        Optional<AdminTls> adminTls) {

    static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** About 1 GB of connection buffers at ~20 KB each; far above what the tests and load runs use. */
    static final int DEFAULT_MAX_CONNECTIONS = 50_000;

    /** The limits at their defaults (tests and tools that build a config in code). */
    public ServerConfig(InetSocketAddress listen, Optional<InetSocketAddress> admin, Duration handshakeTimeout,
                        Duration drainTimeout, Duration idleTimeout, int handshakeThreads, int maxConnections) {
        this(listen, admin, handshakeTimeout, drainTimeout, idleTimeout, handshakeThreads, maxConnections,
                ViewerLimits.DEFAULTS);
    }

    /** No watching, no admin TLS, state in {@code data/} of the working directory (tests and tools). */
    public ServerConfig(InetSocketAddress listen, Optional<InetSocketAddress> admin, Duration handshakeTimeout,
                        Duration drainTimeout, Duration idleTimeout, int handshakeThreads, int maxConnections,
                        ViewerLimits limits) {
        this(listen, admin, handshakeTimeout, drainTimeout, idleTimeout, handshakeThreads, maxConnections, limits,
                Path.of("data").toAbsolutePath(), false, Optional.empty());
    }

    public ServerConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(adminTls, "adminTls");
        if (handshakeThreads < 0 || maxConnections < 0) {
            throw new IllegalArgumentException("handshakeThreads and maxConnections must not be negative");
        }
    }
}
