package dev.portcullis.proxy.tls;

import dev.portcullis.config.ConnectionFunctionConfig;
import dev.portcullis.proxy.ConnectionObserver;
import dev.portcullis.proxy.SummarizedLog;
import dev.portcullis.proxy.http.ConnectionWithdrawal;
import dev.portcullis.truststore.FailureCode;
import dev.portcullis.truststore.Rejection;
import dev.portcullis.truststore.TlsAlert;
import io.netty.channel.Channel;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks established connections again when what they were admitted on changes: a KeyValueStore
 * write (the distributions whose connection function reads that store), or a reload (every
 * distribution: trust stores, certificates and functions may all have changed). Each connection's
 * presented chain is verified against the current generation's trust store, then the current
 * connection function runs with the connection's original {@code connection} object. A connection
 * now refused is withdrawn on its event loop ({@link ConnectionWithdrawal}).
 *
 * <p>One thread of its own walks the connections (never an event loop, never the handshake
 * executor, so handshakes keep their threads), in batches; requests that arrive during a walk are
 * merged into one more walk, so a burst of writes costs one or two walks, not one per write.
 * Distributions with {@code reevaluateEstablishedConnections: false} are skipped.
 */
public final class ConnectionRecheck implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.recheck");
    /** One line per withdrawn connection, but a mass revocation is summarised. */
    private static final SummarizedLog WITHDRAWN = new SummarizedLog(LOG, false, 50, 10, TimeUnit.SECONDS);
    private static final String ALL = "\0all";

    private final EstablishedConnections established;
    private final CurrentGeneration generation;
    private final ConnectionObserver observer;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "portcullis-recheck");
        t.setDaemon(true);
        return t;
    });
    /** Stores and distributions waiting for the next walk; guarded by {@code this}. */
    private Set<String> pendingStores = new HashSet<>();
    /** Connections that joined just after a change, checked alone; guarded by {@code this}. */
    private Map<Channel, ConnectionState> pendingSingles = new java.util.HashMap<>();
    private boolean scheduled;

    public ConnectionRecheck(EstablishedConnections established, CurrentGeneration generation, ConnectionObserver observer) {
        this.established = established;
        this.generation = generation;
        this.observer = observer;
        established.onMissedChange(this::single);
    }

    /** A write to store {@code name}: re-check the connections of distributions whose function reads it. */
    public void storeChanged(String name) {
        request(name);
    }

    /** A reload was applied: re-check every connection against the new generation. */
    public void generationReplaced() {
        request(ALL);
    }

    private synchronized void request(String what) {
        established.changed();
        pendingStores.add(what);
        schedule();
    }

    /** A connection that joined after a change its own checks may have missed (no new change counted). */
    private synchronized void single(Channel channel, ConnectionState state) {
        pendingSingles.put(channel, state);
        schedule();
    }

    private void schedule() {
        if (!scheduled) {
            scheduled = true;
            thread.execute(this::walk);
        }
    }

    private void walk() {
        Set<String> stores;
        Map<Channel, ConnectionState> singles;
        synchronized (this) {
            stores = pendingStores;
            singles = pendingSingles;
            pendingStores = new HashSet<>();
            pendingSingles = new java.util.HashMap<>();
            scheduled = false;
        }
        long started = System.nanoTime();
        Generation current = generation.get();
        Set<String> affected = affectedDistributions(current, stores);
        int checked = 0;
        int refused = 0;
        for (Map.Entry<Channel, ConnectionState> entry : established.entries()) {
            if (affected.contains(entry.getValue().distribution().id())) {
                singles.remove(entry.getKey());
                Boolean allowed = checkOne(current, entry.getKey(), entry.getValue());
                checked += allowed == null ? 0 : 1;
                refused += Boolean.FALSE.equals(allowed) ? 1 : 0;
            }
        }
        for (Map.Entry<Channel, ConnectionState> entry : singles.entrySet()) {
            Boolean allowed = checkOne(current, entry.getKey(), entry.getValue());
            checked += allowed == null ? 0 : 1;
            refused += Boolean.FALSE.equals(allowed) ? 1 : 0;
        }
        if (checked > 0) {
            LOG.info("re-checked {} connection(s) in {} ms after a change to {}: {} refused", checked,
                    (System.nanoTime() - started) / 1_000_000, stores.contains(ALL) ? "the configuration" : stores, refused);
        }
    }

    /** Checks one connection; null if it was skipped (closed, withdrawn, or its distribution opts out). */
    private Boolean checkOne(Generation current, Channel channel, ConnectionState state) {
        if (!channel.isActive() || state.withdrawn() != null) {
            return null;
        }
        EdgeDistribution now = current.distributions().byId(state.distribution().id());
        if (now != null && !now.config().viewerMtlsConfig().reevaluateEstablishedConnections()) {
            return null;
        }
        Optional<Rejection> rejection = check(now, state);
        boolean allowed = rejection.isEmpty();
        channel.eventLoop().execute(() -> {
            observer.connectionReevaluated(state, allowed);
            if (!allowed) {
                Rejection r = rejection.get();
                if (ConnectionWithdrawal.withdraw(channel, state, r.code() + ": " + r.reason())) {
                    WITHDRAWN.log(r.code().name(), "connection {} from {} closed on re-check: {} ({})",
                            state.connectionId(), state.client(), r.code(), r.reason());
                }
            }
        });
        return allowed;
    }

    /** Distributions whose connections a change to {@code stores} (or a reload) may affect. */
    private Set<String> affectedDistributions(Generation current, Set<String> stores) {
        Set<String> ids = new HashSet<>();
        boolean all = stores.contains(ALL);
        for (var d : current.config().distributions()) {
            if (all || d.connectionFunctionId().map(f -> functionReads(current, f, stores)).orElse(false)) {
                ids.add(d.id());
            }
        }
        if (all) {
            // connections of a distribution that is gone from the config are checked too (and refused)
            for (Map.Entry<Channel, ConnectionState> e : established.entries()) {
                ids.add(e.getValue().distribution().id());
            }
        }
        return ids;
    }

    private static boolean functionReads(Generation current, String function, Set<String> stores) {
        for (ConnectionFunctionConfig f : current.config().connectionFunctions()) {
            if (f.name().equals(function) && f.keyValueStoreAssociations().stream().anyMatch(stores::contains)) {
                return true;
            }
        }
        return false;
    }

    /** The verdict of the current trust store and function on the connection's original chain. */
    private static Optional<Rejection> check(EdgeDistribution now, ConnectionState state) {
        if (now == null) {
            return Optional.of(new Rejection(FailureCode.ClientCertRejected, TlsAlert.ACCESS_DENIED,
                    "distribution " + state.distribution().id() + " is no longer in the configuration"));
        }
        X509Certificate[] chain = state.presentedChain().toArray(X509Certificate[]::new);
        try {
            ClientCheck check = chain.length == 0 ? now.authenticator().withoutCertificate(state)
                    : now.authenticator().authenticate(chain, state);
            return check.rejection();
        } catch (RuntimeException e) {
            return Optional.of(new Rejection(FailureCode.Internal, TlsAlert.INTERNAL_ERROR, "re-check failed: " + e));
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
