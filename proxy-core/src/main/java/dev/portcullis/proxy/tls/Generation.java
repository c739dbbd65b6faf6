package dev.portcullis.proxy.tls;

import dev.portcullis.config.EdgeConfig;
import dev.portcullis.proxy.functions.ConnectionFunctions;
import dev.portcullis.proxy.origin.OriginPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything a config builds that a connection runs on, immutable once built: the distributions
 * with their TLS contexts (whose trust managers share one verifier, and so one validation cache, per
 * trust store), origin clients, connection functions and their KeyValueStores. A connection pins the
 * generation that was current when SNI chose its distribution and keeps it to its end, so a
 * replacement never changes what an open connection routes to (its requests are never 421 for
 * belonging to a distribution object that is no longer current). A generation is closed (origin
 * pools, function contexts) when it has been replaced and its last connection has ended.
 */
public final class Generation implements AutoCloseable {
    private final long number;
    private final EdgeConfig config;
    private final EdgeDistributions distributions;
    private final ConnectionFunctions functions;
    private final java.util.Map<String, dev.portcullis.revocation.RevocationChecker> revocation;
    /** Connections pinned to it, plus one while it is current (or, before it ever is, while held). */
    private final AtomicInteger pins = new AtomicInteger(1);
    private final AtomicBoolean closed = new AtomicBoolean();

    Generation(long number, EdgeConfig config, EdgeDistributions distributions, ConnectionFunctions functions,
               java.util.Map<String, dev.portcullis.revocation.RevocationChecker> revocation) {
        this.number = number;
        this.revocation = java.util.Map.copyOf(revocation);
        this.config = config;
        this.distributions = distributions;
        this.functions = functions;
    }

    /** 1 for what the node started with, then one more per replacement. */
    public long number() {
        return number;
    }

    public EdgeConfig config() {
        return config;
    }

    public EdgeDistributions distributions() {
        return distributions;
    }

    public ConnectionFunctions functions() {
        return functions;
    }

    /** Each trust store's revocation checks (its CRLs: what the CRL metrics and expiry warnings read). */
    public java.util.Map<String, dev.portcullis.revocation.RevocationChecker> revocation() {
        return revocation;
    }

    /** Pins it for one more connection; false once it is closing (then take the current one again). */
    boolean pin() {
        int n;
        do {
            n = pins.get();
            if (n == 0) {
                return false;
            }
        } while (!pins.compareAndSet(n, n + 1));
        return true;
    }

    /** A pinned connection ended, or the generation was replaced: the last one closes it. */
    void unpin() {
        if (pins.decrementAndGet() == 0) {
            closeResources();
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Drops the hold it was built with (validate, a failed start, a replacement). */
    @Override
    public void close() {
        unpin();
    }

    private void closeResources() {
        if (closed.compareAndSet(false, true)) {
            try {
                distributions.all().forEach(d -> d.origins().values().forEach(OriginPool::closeAll));
            } catch (RuntimeException e) {
                // a connection closed after the event loops stopped (shutdown): their sockets are gone anyway
            } finally {
                functions.close();
            }
        }
    }
}
