package dev.portcullis.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * {@code server.adminTls}: the admin listener's own certificate and key, and the CA bundle its
 * clients' certificates must chain to. Required whenever {@code server.admin} is not a loopback
 * address: the admin API writes revocations and reloads trust, so it is never an open door.
 */
public record AdminTls(Path certificate, Path privateKey, Path clientCaBundle) {
    public AdminTls {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(clientCaBundle, "clientCaBundle");
    }
}
