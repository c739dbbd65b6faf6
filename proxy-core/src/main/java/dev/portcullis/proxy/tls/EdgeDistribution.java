package dev.portcullis.proxy.tls;

import dev.portcullis.config.CacheBehavior;
import dev.portcullis.config.Distribution;
import dev.portcullis.config.MtlsMode;
import dev.portcullis.proxy.functions.FunctionGate;
import dev.portcullis.proxy.origin.OriginClient;
import io.netty.handler.ssl.SslContext;
import java.util.Map;
import java.util.Optional;

/**
 * A distribution ready to serve: its configuration, its one SslContext (built once per generation and
 * shared by all its connections), a client per origin, its connection function if it has one, and
 * the authenticator its trust manager asks, which a re-check of an established connection asks again.
 */
public record EdgeDistribution(Distribution config, SslContext sslContext, Map<String, OriginClient> origins,
                               Optional<FunctionGate> function, ClientAuthenticator authenticator) {

    public String id() {
        return config.id();
    }

    public MtlsMode mode() {
        return config.viewerMtlsConfig().mode();
    }

    /** The origin the first matching cache behavior (else the default one) targets for {@code path} (a query string is ignored). */
    public OriginClient originFor(String path) {
        CacheBehavior behavior = config.behaviorFor(path);
        return origins.get(behavior.targetOriginId());
    }
}
