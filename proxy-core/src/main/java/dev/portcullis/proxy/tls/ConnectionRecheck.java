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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
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
 * <p>One thread of its own coordinates a walk and hands the connections, in batches of
 * {@value #BATCH}, to one checker thread per core (never an event loop, never the handshake executor,
 * so handshakes keep their threads); requests that arrive during a walk are merged into one more
 * walk, so a burst of writes costs one or two walks, not one per write. A check that fails with a
 * function error is asked once more before it withdraws a connection; one that cannot finish at all
 * refuses (never fail open).
 * Distributions with {@code reevaluateEstablishedConnections: false} are skipped.
 *
 * <p>Over 250 lines: one walk over the established connections and the four things that
 * trigger it (a store change, a new generation, a revocation tick, a revoked serial), coalesced
 * and batched; the predicates that decide which connections a change can affect mean something
 * only to that walk.
 */
public final class ConnectionRecheck implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.recheck");
    /** One line per withdrawn connection, but a mass revocation is summarised. */
    private static final SummarizedLog WITHDRAWN = new SummarizedLog(LOG, false, 50, 10, TimeUnit.SECONDS);
    private static final String ALL = "\0all";
    /** The periodic walk of connections whose trust store checks revocation (answers and CRLs age). */
    private static final String REVOCATION = "\0revocation";

    private final EstablishedConnections established;
    private final CurrentGeneration generation;
    private final ConnectionObserver observer;
    /** Connections per task on the checker threads. */
    private static final int BATCH = 256;

    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "portcullis-recheck");
        t.setDaemon(true);
        return t;
    });
    /** Run the checks of a walk's batches: one per core, apart from the event loops and handshakes. */
    private final ExecutorService checkers = Executors.newFixedThreadPool(
            Math.max(1, Runtime.getRuntime().availableProcessors()), new io.netty.util.concurrent.DefaultThreadFactory(
                    "portcullis-recheck-worker", true));
    /** Stores and distributions waiting for the next walk; guarded by {@code this}. */
    private Set<String> pendingStores = new HashSet<>();
    /** Keys the pending writes touched: their connections go first. */
    private Set<String> pendingKeys = new HashSet<>();
    /** Connections that joined just after a change, checked alone; guarded by {@code this}. */
    private Map<Channel, ConnectionState> pendingSingles = new java.util.HashMap<>();
    private boolean scheduled;

    public ConnectionRecheck(EstablishedConnections established, CurrentGeneration generation, ConnectionObserver observer) {
        this.established = established;
        this.generation = generation;
        this.observer = observer;
        established.onMissedChange(this::single);
    }

    /**
     * A write to store {@code name}: re-check the connections of distributions whose function reads
     * it. Connections whose leaf serial (as the blog's function keys it) is among {@code keys} are
     * checked first, so a revocation closes its connections at once however many others there are;
     * every other affected connection is checked too, after them.
     */
    public synchronized void storeChanged(String name, Set<String> keys) {
        pendingKeys.addAll(keys);
        request(name);
    }

    /** A reload was applied: re-check every connection against the new generation. */
    public void generationReplaced() {
        request(ALL);
    }

    /**
     * Time passed: re-check the connections of distributions whose trust store checks revocation, so
     * a CRL that expired, a cached OCSP answer that expired (asked again, then) or one that a
     * background refresh turned into Revoked reaches connections that stay open, not only new ones.
     */
    public void revocationDue() {
        request(REVOCATION);
    }

    /**
     * A responder now says a certificate is revoked: re-check the connections of distributions that
     * check revocation, that certificate's first (its serial keyed as the blog's function does).
     */
    public synchronized void certificateRevoked(java.math.BigInteger serial) {
        pendingKeys.add(java.util.HexFormat.of().formatHex(serial.toByteArray()));
        request(REVOCATION);
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
        Set<String> hints;
        Map<Channel, ConnectionState> singles;
        synchronized (this) {
            stores = pendingStores;
            singles = pendingSingles;
            hints = pendingKeys;
            pendingKeys = new HashSet<>();
            pendingStores = new HashSet<>();
            pendingSingles = new java.util.HashMap<>();
            scheduled = false;
        }
        long started = System.nanoTime();
        // Pinned for the walk: a second reload meanwhile must not close the functions it runs.
        Generation current = generation.pin();
        AtomicInteger checked = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        try {
            Set<String> affected = affectedDistributions(current, stores);
            List<Map.Entry<Channel, ConnectionState>> targets = new ArrayList<>();
            for (Map.Entry<Channel, ConnectionState> entry : established.entries()) {
                if (affected.contains(entry.getValue().distribution().id())) {
                    singles.remove(entry.getKey());
                    targets.add(Map.entry(entry.getKey(), entry.getValue()));
                }
            }
            singles.forEach((channel, state) -> targets.add(Map.entry(channel, state)));
            if (!hints.isEmpty()) {
                // the connections a write names (by their leaf's serial) first; the rest keep their order
                List<Map.Entry<Channel, ConnectionState>> first = new ArrayList<>();
                List<Map.Entry<Channel, ConnectionState>> rest = new ArrayList<>();
                for (Map.Entry<Channel, ConnectionState> e : targets) {
                    (named(e.getValue(), hints) ? first : rest).add(e);
                }
                targets.clear();
                targets.addAll(first);
                targets.addAll(rest);
            }
            // Batches on the checker threads, waited for here: bounded threads, bounded queue.
            List<CompletableFuture<Void>> batches = new ArrayList<>();
            for (int from = 0; from < targets.size(); from += BATCH) {
                List<Map.Entry<Channel, ConnectionState>> batch = targets.subList(from, Math.min(targets.size(), from + BATCH));
                batches.add(CompletableFuture.runAsync(() -> {
                    // every OCSP question of the batch goes out first, so the checks below wait for the
                    // slowest answer once, not for each connection's in turn
                    for (Map.Entry<Channel, ConnectionState> e : batch) {
                        prefetch(current, e.getValue());
                    }
                    for (Map.Entry<Channel, ConnectionState> e : batch) {
                        Boolean allowed = checkOne(current, e.getKey(), e.getValue());
                        if (allowed != null) {
                            checked.incrementAndGet();
                            if (!allowed) {
                                refused.incrementAndGet();
                            }
                        }
                    }
                }, checkers));
            }
            CompletableFuture.allOf(batches.toArray(CompletableFuture[]::new)).join();
        } catch (Throwable t) {
            LOG.error("re-check walk failed after {} connection(s): {}", checked.get(), t.toString());
        } finally {
            current.unpin();
        }
        boolean periodic = stores.equals(Set.of(REVOCATION));
        if (checked.get() > 0 && (!periodic || refused.get() > 0)) { // the periodic walk speaks when it refuses
            LOG.info("re-checked {} connection(s) in {} ms after a change to {}: {} refused", checked.get(),
                    (System.nanoTime() - started) / 1_000_000, stores.contains(ALL) ? "the configuration"
                            : periodic ? "revocation data (periodic)" : stores, refused.get());
        }
    }

    private static void prefetch(Generation current, ConnectionState state) {
        try {
            EdgeDistribution now = current.distributions().byId(state.distribution().id());
            List<java.security.cert.X509Certificate> chain = state.presentedChain();
            if (now != null && !chain.isEmpty()) {
                now.authenticator().prefetchRevocation(chain.toArray(java.security.cert.X509Certificate[]::new));
            }
        } catch (RuntimeException e) {
            // only a head start: the check itself asks again and decides
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
        if (rejection.isPresent() && transientFailure(rejection.get())) {
            // A function timeout or error (a GC pause, a cold compile) must not end an established
            // connection by itself: it is asked once more, and a second refusal stands.
            rejection = check(now, state);
        }
        boolean allowed = rejection.isEmpty();
        Optional<Rejection> verdict = rejection;
        try {
            channel.eventLoop().execute(() -> {
                observer.connectionReevaluated(state, allowed);
                if (!allowed) {
                    Rejection r = verdict.get();
                    if (ConnectionWithdrawal.withdraw(channel, state, r.code() + ": " + r.reason())) {
                        WITHDRAWN.log(r.code().name(), "connection {} from {} closed on re-check: {} ({})",
                                state.connectionId(), state.client(), r.code(), r.reason());
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            return null; // the event loops are stopping: the connection is closing anyway
        }
        return allowed;
    }

    /** Whether the connection's leaf serial, in hex with or without colons, is one of {@code keys}. */
    private static boolean named(ConnectionState state, Set<String> keys) {
        List<X509Certificate> chain = state.presentedChain();
        if (chain.isEmpty()) {
            return false;
        }
        String hex = java.util.HexFormat.of().formatHex(chain.get(0).getSerialNumber().toByteArray());
        if (keys.contains(hex) || keys.contains(hex.toUpperCase(java.util.Locale.ROOT))) {
            return true;
        }
        StringBuilder colons = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            colons.append(i == 0 ? "" : ":").append(hex, i, i + 2);
        }
        return keys.contains(colons.toString());
    }

    private static boolean transientFailure(Rejection r) {
        return r.code() == FailureCode.ConnectionFunctionError || r.code() == FailureCode.Internal;
    }

    /** Distributions whose connections a change to {@code stores} (or a reload) may affect. */
    private Set<String> affectedDistributions(Generation current, Set<String> stores) {
        Set<String> ids = new HashSet<>();
        boolean all = stores.contains(ALL);
        boolean revocation = stores.contains(REVOCATION);
        for (var d : current.config().distributions()) {
            if (all || d.connectionFunctionId().map(f -> functionReads(current, f, stores)).orElse(false)
                    || revocation && checksRevocation(current, d)) {
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

    private static boolean checksRevocation(Generation current, dev.portcullis.config.Distribution d) {
        return d.viewerMtlsConfig().trustStoreConfig()
                .map(t -> current.revocation().get(t.trustStoreId()))
                .map(dev.portcullis.revocation.RevocationChecker::active).orElse(false);
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
        } catch (Throwable e) {
            // Whatever went wrong, the connection is not let off: a check that cannot finish refuses.
            return Optional.of(new Rejection(FailureCode.Internal, TlsAlert.INTERNAL_ERROR, "re-check failed: " + e));
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
        checkers.shutdownNow();
    }
}
