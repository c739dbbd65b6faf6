package dev.portcullis.kvs;

import dev.portcullis.config.KeyValueStoreConfig;
import dev.portcullis.functions.KeyValueStore;
import dev.portcullis.functions.KeyValueStoreException;
import dev.portcullis.functions.KeyValueStores;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KeyValueStores a node serves, live: the snapshots connection functions read
 * ({@link #snapshots()}, shared by every generation), kept in step with a durable
 * {@link KeyValueStoreBackend}.
 *
 * <p>One writer thread applies every write: check the ETag, check the limits, commit to the backend
 * (durable), build the next snapshot from the current one ({@link KeyValueStore#withChanges}, which
 * copies a small overlay, never the packed entries), swap it in, tell the listeners (the recheck of
 * established connections), then answer. A handshake that started before the swap finishes on the
 * snapshot it read; the next one sees the write. When a store's overlay has grown, a second thread
 * packs it into a new base and the writer swaps that in with the writes made meanwhile.
 *
 * <p>In a fleet ({@link #share}), a write is committed to the shared source instead, and the node's
 * snapshots change only when a {@link SharedUpdate} comes back from it, so this node's writes and
 * every other node's take the same path in the same order. A write is answered once this node has
 * applied it (a handshake here after the 200 sees it). The database then holds the local snapshot
 * of what was applied and the revision it stands at.
 */
public final class LiveKeyValueStores implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.kvs");

    /** What a store serves now and the version a write must name; replaced whole by the writer. */
    public record Live(KeyValueStore snapshot, StoreVersion version) {
        public String etag() {
            return version.etag();
        }
    }

    /** Writer-only state of one store's background compaction. */
    private static final class Compaction {
        boolean running;
        /** Bumped by a full replace (import): a compaction started before it is dropped. */
        long epoch;
    }

    private final KeyValueStoreBackend backend;
    private final Clock clock;
    private final KeyValueStores snapshots = new KeyValueStores();
    private final Map<String, Live> live = new ConcurrentHashMap<>();
    private final Map<String, Compaction> compactions = new HashMap<>();
    private final List<java.util.function.BiConsumer<String, Set<String>>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService writer = Executors.newSingleThreadExecutor(daemon("portcullis-kvs-writer"));
    private final ExecutorService compactor = Executors.newSingleThreadExecutor(daemon("portcullis-kvs-compact"));
    /** The fleet's source of truth, or null for a node on its own; set once, before the node serves. */
    private volatile SharedStores shared;
    /** Writer-only: writes committed to the shared source, waiting until their revision is applied here. */
    private final java.util.TreeMap<Long, List<Runnable>> waitingForRevision = new java.util.TreeMap<>();
    /** The shared revision applied here (written by the writer only). */
    private volatile long sharedRevision;
    /** Writer-only: a snapshot record failed, so the next one writes every store whole. */
    private boolean snapshotStale;
    private final java.util.concurrent.ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(daemon("portcullis-kvs-timer"));
    /** How long a committed write waits for this node to apply it before the API says so. */
    private static final java.time.Duration APPLY_WAIT = java.time.Duration.ofSeconds(10);

    public LiveKeyValueStores(KeyValueStoreBackend backend, Clock clock) {
        this.backend = backend;
        this.clock = clock;
    }

    /**
     * Makes {@code source} the truth: from now on writes are committed there and the snapshots
     * change only through {@link #applyShared}. Called once, before the node serves. Every store
     * of the local snapshot is served from it at once, so the catch-up with the source applies to
     * it; {@link #retainOnly} drops the ones the config no longer names, from the snapshot too.
     *
     * @return the shared revision the local snapshot stands at (0: none recorded)
     */
    public long share(SharedStores source) {
        if (shared != null) {
            throw new IllegalStateException("already shared");
        }
        shared = source;
        long revision = join(CompletableFuture.supplyAsync(() -> {
            try {
                long at = backend.sharedRevision();
                for (String name : backend.storedNames()) {
                    Optional<KeyValueStoreBackend.Stored> stored = backend.load(name);
                    if (stored.isPresent()) {
                        swap(name, new Live(stored.get().contents(), stored.get().version()));
                        LOG.info("store {}: {} keys from the local fleet snapshot (revision {}, version {})", name,
                                stored.get().contents().size(), at, stored.get().version().etag());
                    }
                }
                return at;
            } catch (KeyValueStoreError e) {
                throw new CompletionException(e);
            }
        }, writer));
        sharedRevision = revision;
        return revision;
    }

    /** The shared revision this node has applied (0 for a node on its own). */
    public long sharedRevision() {
        return sharedRevision;
    }

    /** The stores served now. */
    public Set<String> served() {
        return Set.copyOf(live.keySet());
    }

    /** Whether a store is served now. */
    public boolean serves(String name) {
        return live.containsKey(name);
    }

    /**
     * Applies what the shared source committed (in order: updates are applied as they are given),
     * records it in the local snapshot, and answers the writes waiting for it. A change not newer
     * than the store served (versions are the source's revisions) is skipped, so a replay after a
     * reconnect is harmless; a change of keys for a store this node does not serve, or of another
     * incarnation (a whole load of the new one follows), is skipped too.
     */
    public CompletableFuture<Void> applyShared(SharedUpdate update) {
        return CompletableFuture.runAsync(() -> applySharedNow(update), writer);
    }

    private void applySharedNow(SharedUpdate update) {
        List<SharedChange> applied = new ArrayList<>();
        Map<String, Set<String>> touched = new java.util.LinkedHashMap<>();
        for (SharedChange change : update.changes()) {
            Live current = live.get(change.name());
            // Versions are the shared source's revisions, ordered across incarnations: anything not newer
            // than what is served is a replay (an older import included) and must never win.
            if (change.isWhole()) {
                if (current != null && current.version().version() >= change.version().version()) {
                    continue;
                }
                Live next = new Live(change.contents().at(change.version().created(), change.version().lastModified()),
                        change.version());
                compactions.computeIfAbsent(change.name(), n -> new Compaction()).epoch++;
                swap(change.name(), next);
                touched.put(change.name(), Set.of());
            } else {
                if (current == null || !current.version().incarnation().equals(change.version().incarnation())
                        || current.version().version() >= change.version().version()) {
                    continue;
                }
                KeyValueStore next;
                try {
                    next = current.snapshot().withChanges(change.puts(), change.deletes(), change.version().lastModified());
                } catch (IllegalArgumentException e) {
                    // written to etcd by something other than a node (the API checks every key): not served
                    LOG.error("store {}: a change at revision {} in the fleet's etcd breaks the store's limits and is"
                            + " not applied: {}", change.name(), change.version().version(), e.getMessage());
                    continue;
                }
                Live now = new Live(next, change.version());
                swap(change.name(), now);
                compactIfGrown(change.name(), now);
                Set<String> keys = new java.util.HashSet<>(change.puts().keySet());
                keys.addAll(change.deletes());
                touched.merge(change.name(), keys, (a, b) -> {
                    if (a.isEmpty() || b.isEmpty()) {
                        return Set.of();
                    }
                    Set<String> both = new java.util.HashSet<>(a);
                    both.addAll(b);
                    return both;
                });
            }
            applied.add(change);
        }
        long revision = Math.max(sharedRevision, update.revision());
        sharedRevision = revision;
        // Handshakes see the change first; the local snapshot follows (etcd holds it durably already).
        touched.forEach(this::changed);
        recordSnapshot(applied, revision);
        while (!waitingForRevision.isEmpty() && waitingForRevision.firstKey() <= revision) {
            waitingForRevision.pollFirstEntry().getValue().forEach(Runnable::run);
        }
    }

    private void recordSnapshot(List<SharedChange> applied, long revision) {
        try {
            if (snapshotStale) {
                for (String name : backend.storedNames()) {
                    if (!live.containsKey(name)) {
                        backend.dropShared(name);
                    }
                }
                List<SharedChange> all = new ArrayList<>();
                live.forEach((name, l) -> all.add(SharedChange.whole(name, l.version(), l.snapshot())));
                backend.recordShared(all, revision);
                snapshotStale = false;
                LOG.info("fleet snapshot: recorded whole again at revision {}", revision);
            } else if (!applied.isEmpty() || revision > 0) {
                backend.recordShared(applied, revision);
            }
        } catch (KeyValueStoreError e) {
            // Served already; a restart now would start from the last good record and replay from etcd.
            if (!snapshotStale) {
                LOG.error("fleet snapshot: cannot record revision {} ({}); the node serves it, and records every"
                        + " store whole on the next change", revision, e.getMessage());
            }
            snapshotStale = true;
        }
    }

    /** On the writer: answers with the store as this node serves it once {@code revision} is applied here. */
    private CompletableFuture<Live> whenApplied(String name, long revision) {
        CompletableFuture<Live> answer = new CompletableFuture<>();
        Runnable done = () -> {
            Live now = live.get(name);
            if (now == null) {
                answer.completeExceptionally(new CompletionException(notFound(name)));
            } else {
                answer.complete(now);
            }
        };
        if (sharedRevision >= revision) {
            done.run();
            return answer;
        }
        waitingForRevision.computeIfAbsent(revision, r -> new ArrayList<>()).add(done);
        timer.schedule(() -> answer.completeExceptionally(new CompletionException(new KeyValueStoreError(
                KeyValueStoreError.Kind.UNAVAILABLE, "the write was committed to the fleet's etcd at revision " + revision
                + " but this node has not applied it within " + APPLY_WAIT.toSeconds() + " s (its watch of etcd is"
                + " behind or down); other nodes apply it as they catch up"))), APPLY_WAIT.toMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
        return answer;
    }

    /** The snapshots by name, for the function runtime; a write swaps an entry here. */
    public KeyValueStores snapshots() {
        return snapshots;
    }

    /**
     * Called on the writer thread after each store change, with the store's name and the keys the
     * write touched (empty for a whole import); must not block.
     */
    public void onChange(java.util.function.BiConsumer<String, Set<String>> listener) {
        listeners.add(listener);
    }

    public Optional<Live> current(String name) {
        return Optional.ofNullable(live.get(name));
    }

    /**
     * Makes the node serve every configured store: a store the database has is loaded from it (the
     * database is the truth); a new one is created from its {@code importSource}. Blocks until done.
     *
     * @return problems, each naming the config key; on any, the stores served do not change (a
     *         store already created in the database by this call stays there, and is loaded from it next time)
     */
    public List<String> ensure(List<KeyValueStoreConfig> configured) {
        SharedStores source = shared;
        if (source != null) {
            List<String> problems = source.ensure(configured);
            if (!problems.isEmpty()) {
                return problems;
            }
        }
        return join(CompletableFuture.supplyAsync(() -> ensureNow(configured), writer));
    }

    private List<String> ensureNow(List<KeyValueStoreConfig> configured) {
        List<String> problems = new ArrayList<>();
        Map<String, Live> loaded = new HashMap<>();
        for (int i = 0; i < configured.size(); i++) {
            KeyValueStoreConfig store = configured.get(i);
            String where = "keyValueStores[" + i + "] (" + store.name() + ")";
            Live already = live.get(store.name());
            if (already != null) {
                loaded.put(store.name(), already);
                continue;
            }
            try {
                if (shared != null) {
                    // In a fleet the shared source creates and loads stores (the local snapshot's were loaded by share)
                    problems.add(where + ": not loaded from the fleet's etcd (unreachable) and not in the local snapshot"
                            + " in server.dataDir: this node cannot serve it until etcd is reachable");
                    continue;
                }
                Optional<KeyValueStoreBackend.Stored> stored = backend.load(store.name());
                if (stored.isPresent()) {
                    loaded.put(store.name(), new Live(stored.get().contents(), stored.get().version()));
                    LOG.info("{}: {} keys from the database (version {}); importSource is only read when the store"
                            + " is first created", where, stored.get().contents().size(), stored.get().version().etag());
                    continue;
                }
                KeyValueStore seed = KeyValueStore.importFrom(store.name(), store.importSource());
                Instant now = clock.instant();
                StoreVersion version = backend.create(store.name(), seed, now);
                loaded.put(store.name(), new Live(seed.at(version.created(), now), version));
                LOG.info("{}: created in the database from {} ({} keys)", where, store.importSource(), seed.size());
            } catch (KeyValueStoreException e) {
                problems.add(where + ".importSource: " + e.getMessage());
            } catch (KeyValueStoreError e) {
                problems.add(where + ": " + e.getMessage());
            }
        }
        if (problems.isEmpty()) {
            loaded.forEach(this::swap);
        }
        return problems;
    }

    /**
     * Stops serving stores not in {@code names} (their data stays in the database; in a fleet it is
     * dropped from the local snapshot, which nothing would keep current): after a reload
     * that dropped them has been applied, never before, as the old generation's functions may still
     * read them until then.
     */
    public void retainOnly(Set<String> names) {
        join(CompletableFuture.runAsync(() -> {
            for (String name : Set.copyOf(live.keySet())) {
                if (!names.contains(name)) {
                    live.remove(name);
                    snapshots.remove(name);
                    compactions.remove(name);
                    if (shared != null) {
                        try {
                            backend.dropShared(name); // else it would stay behind, stale, if it came back while etcd is away
                        } catch (KeyValueStoreError e) {
                            snapshotStale = true;
                            LOG.error("store {}: cannot drop it from the fleet snapshot: {}", name, e.getMessage());
                        }
                    }
                }
            }
        }, writer));
    }

    /** PutKey, DeleteKey, UpdateKeys: all or nothing, durable before the future completes. */
    public CompletableFuture<Live> write(String name, String ifMatch, KeyChanges changes) {
        SharedStores source = shared;
        if (source != null) {
            return onWriterShared(name, () -> {
                present(name, ifMatch); // 404 and 428 here; 412 is the shared source's to say
                changes.check();
                return source.write(name, ifMatch, changes);
            });
        }
        return onWriter(() -> {
            Live current = precondition(name, ifMatch); // 404, 428 and 412 before 400
            changes.check();
            KeyValueStore next;
            try {
                next = current.snapshot().withChanges(changes.puts(), changes.deletes(), clock.instant());
            } catch (IllegalArgumentException e) {
                throw new KeyValueStoreError(KeyValueStoreError.Kind.INVALID, e.getMessage());
            }
            StoreVersion version = backend.write(name, current.version(), changes, next.lastUpdated());
            Live now = new Live(next, version);
            swap(name, now);
            compactIfGrown(name, now);
            Set<String> keys = new java.util.HashSet<>(changes.puts().keySet());
            keys.addAll(changes.deletes());
            changed(name, keys);
            return now;
        });
    }

    /** {@code kvs import}: replaces every entry with {@code contents}; one new version. */
    public CompletableFuture<Live> replace(String name, String ifMatch, KeyValueStore contents) {
        SharedStores source = shared;
        if (source != null) {
            return onWriterShared(name, () -> {
                present(name, ifMatch);
                return source.replace(name, ifMatch, contents);
            });
        }
        return onWriter(() -> {
            Live current = precondition(name, ifMatch);
            Instant now = clock.instant();
            StoreVersion version = backend.replace(name, current.version(), contents, now);
            Live next = new Live(contents.at(current.snapshot().created(), now), version);
            compactions.computeIfAbsent(name, n -> new Compaction()).epoch++;
            swap(name, next);
            changed(name, Set.of());
            return next;
        });
    }

    /** ListKeys from the database, in key order. */
    public CompletableFuture<KeyValueStoreBackend.Page> list(String name, String afterKey, int limit) {
        return onWriter(() -> {
            if (!live.containsKey(name)) {
                throw notFound(name);
            }
            return backend.list(name, afterKey, limit);
        });
    }

    /** One call of the store API on the writer thread; a refusal fails the future with its {@link KeyValueStoreError}. */
    private interface StoreCall<T> {
        T call() throws KeyValueStoreError;
    }

    private <T> CompletableFuture<T> onWriter(StoreCall<T> call) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call.call();
            } catch (KeyValueStoreError e) {
                throw new CompletionException(e);
            }
        }, writer);
    }

    /** A commit to the shared source on the writer, answered once this node has applied it. */
    private CompletableFuture<Live> onWriterShared(String name, StoreCall<Long> commit) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return whenApplied(name, commit.call());
            } catch (KeyValueStoreError e) {
                throw new CompletionException(e);
            }
        }, writer).thenCompose(f -> f);
    }

    /** 404 for an unknown store, 428 for a write without If-Match. */
    private Live present(String name, String ifMatch) throws KeyValueStoreError {
        Live current = live.get(name);
        if (current == null) {
            throw notFound(name);
        }
        if (ifMatch == null || ifMatch.isBlank()) {
            throw new KeyValueStoreError(KeyValueStoreError.Kind.PRECONDITION_REQUIRED,
                    "a write needs If-Match with the store's ETag (GET /key-value-stores/" + name + " returns it)");
        }
        return current;
    }

    private Live precondition(String name, String ifMatch) throws KeyValueStoreError {
        Live current = present(name, ifMatch);
        if (!current.version().matches(ifMatch)) {
            throw new KeyValueStoreError(KeyValueStoreError.Kind.PRECONDITION_FAILED,
                    "If-Match " + ifMatch.strip() + " is not the current ETag of store " + name + " (" + current.etag()
                            + "): it changed since it was read; read it again and retry");
        }
        return current;
    }

    private void compactIfGrown(String name, Live now) {
        KeyValueStore snapshot = now.snapshot();
        int threshold = Math.max(64, Math.min(4096, snapshot.size() / 8));
        Compaction c = compactions.computeIfAbsent(name, n -> new Compaction());
        if (c.running || snapshot.overlaySize() < threshold) {
            return;
        }
        c.running = true;
        long epoch = c.epoch;
        try {
            compactor.execute(() -> compact(name, snapshot, c, epoch));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            c.running = false; // closing: the overlay stays, the write it follows is already durable
        }
    }

    /** On the compactor: packs {@code snapshot}, then hands the result to the writer to swap in. */
    private void compact(String name, KeyValueStore snapshot, Compaction c, long epoch) {
        KeyValueStore packed;
        try {
            packed = snapshot.compacted();
        } catch (RuntimeException e) {
            LOG.warn("store {}: compaction failed, the overlay stays: {}", name, e.toString());
            packed = null;
        }
        KeyValueStore result = packed;
        try {
            writer.execute(() -> {
                c.running = false;
                Live current = live.get(name);
                if (result == null || current == null || c.epoch != epoch || compactions.get(name) != c) {
                    return; // failed, or replaced or dropped meanwhile
                }
                swap(name, new Live(current.snapshot().rebasedOnto(snapshot, result), current.version()));
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private void swap(String name, Live next) {
        live.put(name, next);
        snapshots.replace(next.snapshot());
    }

    private void changed(String name, Set<String> keys) {
        for (java.util.function.BiConsumer<String, Set<String>> listener : listeners) {
            try {
                listener.accept(name, keys);
            } catch (RuntimeException e) {
                LOG.warn("store {}: a change listener failed: {}", name, e.toString());
            }
        }
    }

    private static KeyValueStoreError notFound(String name) {
        return new KeyValueStoreError(KeyValueStoreError.Kind.NOT_FOUND, "no KeyValueStore named " + name);
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Stops taking writes; every acknowledged write is already durable. */
    @Override
    public void close() {
        compactor.shutdownNow();
        timer.shutdownNow();
        try {
            // the writer's last task, so the backend is only ever used from that one thread
            writer.execute(backend::close);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return; // closed before
        }
        writer.shutdown();
        try {
            writer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
