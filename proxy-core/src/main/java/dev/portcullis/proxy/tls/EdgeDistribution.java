package dev.portcullis.proxy.tls;

import dev.portcullis.config.CacheBehavior;
import dev.portcullis.config.Distribution;
import dev.portcullis.config.MtlsMode;
import dev.portcullis.proxy.functions.FunctionGate;
import dev.portcullis.proxy.origin.OriginPool;
import io.netty.handler.ssl.SslContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A distribution ready to serve: its configuration, its one SslContext (built once per generation and
 * shared by all its connections), a client per origin, its connection function if it has one,
 * the authenticator its trust manager asks, which a re-check of an established connection asks again,
 * and its cache behaviors with their origins and viewer functions, in the config's order.
 */
public record EdgeDistribution(Distribution config, SslContext sslContext, Map<String, OriginPool> origins,
                               Optional<FunctionGate> function, ClientAuthenticator authenticator,
                               List<EdgeBehavior> behaviors, EdgeBehavior defaultBehavior) {

    public String id() {
        return config.id();
    }

    public MtlsMode mode() {
        return config.viewerMtlsConfig().mode();
    }

    /** The origin the first matching cache behavior (else the default one) targets for {@code path} (a query string is ignored). */
    public OriginPool originFor(String path) {
        return behaviorFor(path).origin();
    }

    /** The first cache behavior matching {@code path} (a query string is ignored), else the default one. */
    public EdgeBehavior behaviorFor(String path) {
        String p = dev.portcullis.config.RequestTarget.path(path);
        for (EdgeBehavior behavior : behaviors) {
            if (behavior.config().matches(p)) {
                return behavior;
            }
        }
        return defaultBehavior;
    }
}
