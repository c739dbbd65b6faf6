package dev.portcullis.proxy.tls;

import dev.portcullis.config.CacheBehavior;
import dev.portcullis.functions.ViewerFunction;
import dev.portcullis.proxy.origin.OriginPool;

/**
 * A cache behavior ready to serve: the origin client it targets and its viewer functions (null where
 * it associates none, so a behavior without functions costs nothing per request).
 */
public record EdgeBehavior(CacheBehavior config, OriginPool origin, ViewerFunction viewerRequest,
                           ViewerFunction viewerResponse) {
}
