package dev.portcullis.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A trust store's revocation tuning ({@code trustStores[].ocsp}). {@code undetermined} applies to
 * every undetermined result of the store, CRL ones included (an expired CRL, say).
 *
 * @param timeout      per responder request
 * @param cacheTtl     how long an answer is kept at most; never beyond the response's nextUpdate
 * @param responderUrl asked for every certificate instead of its AIA URL (nginx's ssl_ocsp_responder)
 * @param undetermined what a result that is neither Good nor Revoked does when no connection
 *                     function decides: deny (default, as CloudFront) or allow (soft-fail)
 */
public record OcspConfig(Duration timeout, Duration cacheTtl, Optional<URI> responderUrl, Undetermined undetermined) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final Duration MAX_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CACHE_TTL = Duration.ofMinutes(30);
    public static final OcspConfig DEFAULTS = new OcspConfig(DEFAULT_TIMEOUT, DEFAULT_CACHE_TTL, Optional.empty(),
            Undetermined.DENY);

    public enum Undetermined { DENY, ALLOW }

    public OcspConfig {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(cacheTtl, "cacheTtl");
        responderUrl = responderUrl == null ? Optional.empty() : responderUrl;
        Objects.requireNonNull(undetermined, "undetermined");
    }
}
