package dev.portcullis.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a distribution sends requests.
 *
 * @param url                   as written: {@code h2c://}, {@code http://} or {@code https://}, no path or query
 * @param host                  host name or IP address; an IPv6 address without brackets
 * @param port                  the url's port, or 80 (h2c, http) / 443 (https)
 * @param trustedCaCertificates https only: PEM file of CAs to trust instead of the JDK's
 * @param serverName            https only: SNI and name to verify instead of {@code host}
 */
public record Origin(
        String id,
        URI url,
        OriginProtocol protocol,
        String host,
        int port,
        Duration connectTimeout,
        Duration responseTimeout,
        Optional<Path> trustedCaCertificates,
        Optional<String> serverName) {

    static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);

    public Origin {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(responseTimeout, "responseTimeout");
        Objects.requireNonNull(trustedCaCertificates, "trustedCaCertificates");
        Objects.requireNonNull(serverName, "serverName");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("origin port out of range: " + port);
        }
        if (protocol != OriginProtocol.HTTPS && (trustedCaCertificates.isPresent() || serverName.isPresent())) {
            throw new IllegalArgumentException("trustedCaCertificates and serverName apply to https origins only");
        }
    }
}
