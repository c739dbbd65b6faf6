package dev.portcullis.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What one viewer may hold or take, each with a default so that a config that says nothing is
 * still bounded (docs/security.md lists them with the tests that prove them).
 *
 * @param requestHeaderTimeout      how long a request head may take from its first byte to its end
 *                                  (default 10s): slow-header clients after TLS are cut off
 * @param requestBodyTimeout        how long a request body may go without a byte arriving while the
 *                                  node is reading (default 30s)
 * @param maxConnectionsPerClientIp concurrent connections from one client address (default 1000)
 * @param maxHandshakesPerClientIp  concurrent unfinished handshakes from one client address (default
 *                                  256: a node restarted under a 100/s handshake load from one load
 *                                  generator held about 100 at once while its JIT was cold)
 * @param allowUnderscoresInHeaders forward request headers whose names contain '_' (default false,
 *                                  as nginx's {@code underscores_in_headers off}); even when true, a
 *                                  name that reads as a protected one with '_' for '-' is dropped
 */
public record ViewerLimits(Duration requestHeaderTimeout, Duration requestBodyTimeout,
                           int maxConnectionsPerClientIp, int maxHandshakesPerClientIp,
                           boolean allowUnderscoresInHeaders) {
    static final Duration DEFAULT_REQUEST_HEADER_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DEFAULT_REQUEST_BODY_TIMEOUT = Duration.ofSeconds(30);
    static final int DEFAULT_MAX_CONNECTIONS_PER_CLIENT_IP = 1000;
    static final int DEFAULT_MAX_HANDSHAKES_PER_CLIENT_IP = 256;

    public static final ViewerLimits DEFAULTS = new ViewerLimits(DEFAULT_REQUEST_HEADER_TIMEOUT,
            DEFAULT_REQUEST_BODY_TIMEOUT, DEFAULT_MAX_CONNECTIONS_PER_CLIENT_IP, DEFAULT_MAX_HANDSHAKES_PER_CLIENT_IP, false);

    public ViewerLimits {
        Objects.requireNonNull(requestHeaderTimeout, "requestHeaderTimeout");
        Objects.requireNonNull(requestBodyTimeout, "requestBodyTimeout");
        if (maxConnectionsPerClientIp < 1 || maxHandshakesPerClientIp < 1) {
            throw new IllegalArgumentException("per-client limits must be at least 1");
        }
    }
}
