package dev.portcullis.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The optional {@code fleet} section: the etcd cluster a fleet of nodes shares its KeyValueStores
 * (and pushed trust and function files) through, the key prefix the fleet owns there, and this
 * node's name in it. Absent, a node is alone and its embedded database is the truth.
 */
public record FleetConfig(List<URI> endpoints, String prefix, Optional<EtcdTls> tls, String nodeName,
                          Duration startupTimeout) {
    public static final String DEFAULT_PREFIX = "/portcullis/";
    /** How long a starting node waits for etcd before it serves its local snapshot instead. */
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(5);

    /** {@code fleet.etcd.tls}: the CA etcd's certificate chains to, and optionally this node's client certificate. */
    public record EtcdTls(Path caBundle, Optional<Path> certificate, Optional<Path> privateKey) {
        public EtcdTls {
            Objects.requireNonNull(caBundle, "caBundle");
        }
    }

    public FleetConfig {
        endpoints = List.copyOf(endpoints);
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(startupTimeout, "startupTimeout");
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("at least one etcd endpoint is needed");
        }
    }
}
