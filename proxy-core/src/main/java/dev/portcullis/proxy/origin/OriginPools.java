package dev.portcullis.proxy.origin;

import dev.portcullis.config.Distribution;
import dev.portcullis.config.Origin;
import dev.portcullis.config.OriginProtocol;
import dev.portcullis.proxy.StartupException;

/**
 * Makes the pool of each origin a generation builds. {@link #CONNECTING} is the node's: an
 * {@link OriginClient} that connects (with TLS for https origins). The HTTP layer's channel tests give
 * their exchanges in-memory origin channels through another.
 */
@FunctionalInterface
public interface OriginPools {

    OriginPool open(Distribution distribution, Origin origin) throws StartupException;

    OriginPools CONNECTING = (distribution, origin) -> new OriginClient(origin,
            origin.protocol() == OriginProtocol.HTTPS
                    ? OriginTls.forOrigin(origin, "distribution " + distribution.id() + ": origin " + origin.id())
                    : null);
}
