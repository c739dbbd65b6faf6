package dev.portcullis.proxy.origin;

import dev.portcullis.config.Origin;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * Where an exchange gets its origin channel and gives it back: the seam between the viewer's exchange
 * and the origin's connections. {@link OriginClient} is the one the node runs (pooled per event loop,
 * HTTP/1.1 or HTTP/2). A channel handed out speaks Netty's {@code HttpObject} messages whatever the
 * origin's protocol, and is used on the loop it was acquired for.
 */
public interface OriginPool {

    Origin origin();

    /** An exchange channel on {@code loop}; must be called on that loop. */
    Future<Channel> acquire(EventLoop loop);

    /** Like {@link #acquire} but never an idle pooled HTTP/1.1 connection (for a retry after a stale one). */
    Future<Channel> acquireFresh(EventLoop loop);

    /** Whether {@code channel} came out of the idle pool (so the origin may have closed it meanwhile). */
    boolean wasPooled(Channel channel);

    /**
     * Gives an exchange channel back. {@code reusable}: the response was read to its end and the
     * connection may carry another request. Anything else closes it (for HTTP/2: resets the stream).
     */
    void release(Channel channel, boolean reusable);

    /** Closes every idle connection (the generation holding this pool closed). */
    void closeAll();
}
