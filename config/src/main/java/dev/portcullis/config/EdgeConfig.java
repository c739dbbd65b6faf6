package dev.portcullis.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A whole, validated Portcullis configuration: every reference between its parts resolves and every file
 * it names existed and was readable at load time. Built by {@link ConfigLoader}.
 *
 * @param source the configuration file (for {@link ConfigLoader#parse}, the base directory)
 * @param fleet   the etcd a fleet shares its state through; empty for a node on its own
 */
public record EdgeConfig(
        Path source,
        ServerConfig server,
        List<Distribution> distributions,
        List<TrustStoreConfig> trustStores,
        List<KeyValueStoreConfig> keyValueStores,
        List<ConnectionFunctionConfig> connectionFunctions,
        List<FunctionConfig> functions,
        LoggingConfig logging,
        Optional<FleetConfig> fleet) {

    public EdgeConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(server, "server");
        distributions = List.copyOf(distributions);
        trustStores = List.copyOf(trustStores);
        keyValueStores = List.copyOf(keyValueStores);
        connectionFunctions = List.copyOf(connectionFunctions);
        functions = List.copyOf(functions);
        Objects.requireNonNull(logging, "logging");
        Objects.requireNonNull(fleet, "fleet");
        if (distributions.isEmpty()) {
            throw new IllegalArgumentException("at least one distribution is needed");
        }
    }

    /**
     * Every file a reload reads again: the config file itself, certificates and keys, trust store
     * bundles, origin CA files and function code (not KeyValueStore imports: once a store exists its
     * database is the truth). What {@code server.watchConfig} watches.
     */
    public java.util.Set<java.nio.file.Path> filesRead() {
        java.util.Set<java.nio.file.Path> files = new java.util.LinkedHashSet<>();
        files.add(source);
        for (Distribution d : distributions) {
            files.add(d.viewerCertificate().certificate());
            files.add(d.viewerCertificate().privateKey());
            d.origins().forEach(o -> o.trustedCaCertificates().ifPresent(files::add));
        }
        trustStores.forEach(t -> {
            files.add(t.caCertificatesBundle());
            files.addAll(t.crls());
        });
        connectionFunctions.forEach(f -> files.add(f.code()));
        functions.forEach(f -> files.add(f.code()));
        return files;
    }

    public Optional<TrustStoreConfig> trustStore(String id) {
        return trustStores.stream().filter(t -> t.id().equals(id)).findFirst();
    }

    public Optional<KeyValueStoreConfig> keyValueStore(String name) {
        return keyValueStores.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    public Optional<ConnectionFunctionConfig> connectionFunction(String name) {
        return connectionFunctions.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** A CloudFront Function from {@code functions}. */
    public Optional<FunctionConfig> function(String name) {
        return functions.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    public Optional<Distribution> distribution(String id) {
        return distributions.stream().filter(d -> d.id().equals(id)).findFirst();
    }

    /**
     * The distribution for a TLS server name (SNI): an exact domain name wins over a wildcard, and an
     * unknown or absent name (null) falls to the first distribution, as the configuration promises.
     */
    public Distribution distributionFor(String serverName) {
        Distribution owner = DomainNameIndex.of(distributions, Distribution::domainNames).owner(serverName);
        return owner != null ? owner : distributions.get(0);
    }
}
