package dev.portcullis.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One CloudFront-style distribution: the names it answers to, its viewer certificate and mTLS settings,
 * and where its requests go.
 *
 * @param domainNames          SNI names, lower case, exact or {@code *.example.com}
 * @param connectionFunctionId the associated connection function's name, if any
 * @param connectionIdHeader   header under which the origin receives the connectionId, if any
 */
public record Distribution(
        String id,
        List<String> domainNames,
        ViewerCertificate viewerCertificate,
        ViewerMtlsConfig viewerMtlsConfig,
        Optional<String> connectionFunctionId,
        List<Origin> origins,
        CacheBehavior defaultCacheBehavior,
        List<CacheBehavior> cacheBehaviors,
        OriginRequestPolicy originRequestPolicy,
        Optional<String> connectionIdHeader) {

    public Distribution {
        Objects.requireNonNull(id, "id");
        domainNames = domainNames.stream().map(DomainNames::canonical).toList();
        Objects.requireNonNull(viewerCertificate, "viewerCertificate");
        Objects.requireNonNull(viewerMtlsConfig, "viewerMtlsConfig");
        Objects.requireNonNull(connectionFunctionId, "connectionFunctionId");
        origins = List.copyOf(origins);
        Objects.requireNonNull(defaultCacheBehavior, "defaultCacheBehavior");
        cacheBehaviors = List.copyOf(cacheBehaviors);
        Objects.requireNonNull(originRequestPolicy, "originRequestPolicy");
        Objects.requireNonNull(connectionIdHeader, "connectionIdHeader");
    }

    /** @throws IllegalArgumentException if no origin has this id (a loaded config never references one) */
    public Origin origin(String originId) {
        return origins.stream().filter(o -> o.id().equals(originId)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("distribution " + id + " has no origin " + originId));
    }

    /** The first cache behavior whose path pattern matches, else the default; a query string is ignored. */
    public CacheBehavior behaviorFor(String path) {
        String pathOnly = RequestTarget.path(path);
        for (CacheBehavior behavior : cacheBehaviors) {
            if (behavior.matches(pathOnly)) {
                return behavior;
            }
        }
        return defaultCacheBehavior;
    }

    /**
     * Whether a host name (without port) is one of this distribution's names, ignoring case and a trailing
     * dot; {@code *.example.com} matches exactly one label in front of {@code example.com}.
     */
    public boolean servesHost(String host) {
        return host != null && domainNames.stream().anyMatch(name -> DomainNames.matches(name, host));
    }
}
