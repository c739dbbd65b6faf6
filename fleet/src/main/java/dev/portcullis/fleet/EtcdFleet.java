package dev.portcullis.fleet;

import static dev.portcullis.fleet.EtcdKeys.bytes;
import static dev.portcullis.fleet.EtcdKeys.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.config.FleetConfig;
import dev.portcullis.config.KeyValueStoreConfig;
import dev.portcullis.functions.KeyValueStore;
import dev.portcullis.functions.KeyValueStoreException;
import dev.portcullis.kvs.KeyChanges;
import dev.portcullis.kvs.KeyValueStoreError;
import dev.portcullis.kvs.LiveKeyValueStores;
import dev.portcullis.kvs.SharedChange;
import dev.portcullis.kvs.SharedStores;
import dev.portcullis.kvs.SharedUpdate;
import dev.portcullis.kvs.StoreVersion;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's membership in a fleet: etcd is the truth for the KeyValueStores, this node's
 * {@link LiveKeyValueStores} follow it.
 *
 * <p>One thread ({@code portcullis-fleet}) owns everything here that changes: the watch, the
 * reconnects, resyncs and the status. A watch response is turned into one {@link SharedUpdate}
 * (its events in revision order, an import loaded whole at its revision) and applied before the
 * next is looked at. The applied revision moves only with an event received or a progress
 * notification, never because time passed or a watch was re-created, so a reconnect resumes
 * exactly after the last change applied (jetcd's own resume is not used: it restarts from the
 * revision etcd reported when the watch was created, which can skip events). A compaction past
 * that revision forces a full resync: every served store read whole at one revision.
 *
 * <p>While etcd is unreachable the node serves what it applied last, retries with backoff, and
 * reports {@code portcullis_fleet_connected 0}; writes fail (nothing is acknowledged that etcd did
 * not commit).
 */
public final class EtcdFleet implements SharedStores, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.fleet");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final Duration STATUS_REFRESH = Duration.ofSeconds(30);
    private static final long MAX_BACKOFF_MS = 5_000;
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(30);
    private static final Duration WATCH_SILENCE = Duration.ofSeconds(15);

    private final FleetConfig config;
    private final EtcdKeys keys;
    private final Client client;
    private final EtcdStoreAccess access;
    private final LiveKeyValueStores stores;
    private final PushFiles pushFiles;
    private final String where;
    /** Applies a push as a reload; completes with its problems (empty: applied). Set once the node runs. */
    private volatile java.util.function.Function<PushedConfig, CompletableFuture<List<String>>> pushHandler;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "portcullis-fleet");
        t.setDaemon(true);
        return t;
    });

    // Written on the fleet thread only; read anywhere.
    private volatile boolean connected;
    private volatile String lastError;
    private volatile Instant lastErrorAt;
    private volatile boolean closed;

    // Fleet thread only.
    private WatchSession watch;
    private boolean reconnectScheduled;
    private boolean outageLogged;
    private long backoffMs = 250;
    private boolean statusDirty = true;
    private long statusWrittenAt;
    private long progressAskedAt;
    private long catchUpTarget = Long.MAX_VALUE;
    private CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    /** The newest push this node has taken up (applied or refused), and what came of it. */
    private long pushSeen;
    private PushManifest pushManifest;
    private PushedConfig pendingPush;
    private Map.Entry<Long, String> retryPush;
    private volatile Map<String, Object> pushReport;

    private EtcdFleet(FleetConfig config, Client client, LiveKeyValueStores stores, PushFiles pushFiles) {
        this.pushFiles = pushFiles;
        this.config = config;
        this.keys = new EtcdKeys(config.prefix());
        this.client = client;
        this.where = "the fleet's etcd (" + String.join(", ", config.endpoints().stream().map(Object::toString).toList()) + ")";
        this.access = new EtcdStoreAccess(client.getKVClient(), keys, where, Clock.systemUTC());
        this.stores = stores;
    }

    /**
     * Joins the fleet: attaches etcd to {@code stores} as their truth and catches up with it
     * (bounded by {@code fleet.etcd.startupTimeout}); when etcd cannot be reached in that time the
     * node goes on from its local snapshot and keeps trying. The stores themselves are created or
     * loaded by {@link LiveKeyValueStores#ensure} next.
     */
    public static EtcdFleet join(FleetConfig config, java.nio.file.Path dataDir, LiveKeyValueStores stores,
                                 MeterRegistry registry) throws FleetException {
        EtcdFleet fleet = new EtcdFleet(config, EtcdConnections.open(config), stores, new PushFiles(dataDir));
        long local;
        try {
            local = stores.share(fleet);
        } catch (RuntimeException e) {
            fleet.client.close();
            throw new FleetException("server.dataDir: cannot read the local fleet snapshot: " + e.getMessage());
        }
        Gauge.builder("portcullis.fleet.connected", fleet, f -> f.connected ? 1 : 0)
                .description("1 while this node reaches the fleet's etcd, 0 while it serves its last snapshot")
                .register(registry);
        Gauge.builder("portcullis.fleet.revision", stores, LiveKeyValueStores::sharedRevision)
                .description("the etcd revision this node's KeyValueStores stand at").register(registry);
        fleet.thread.execute(() -> fleet.connectAtStart(local));
        fleet.awaitCatchUp(config.startupTimeout());
        fleet.thread.scheduleWithFixedDelay(fleet::heartbeat, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        return fleet;
    }

    private void awaitCatchUp(Duration timeout) {
        try {
            caughtUp.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("fleet: not caught up with {} within fleet.etcd.startupTimeout ({} ms); serving the local snapshot"
                    + " at revision {} and catching up in the background", where, timeout.toMillis(), stores.sharedRevision());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            // not completed exceptionally
        }
    }

    public String nodeName() {
        return config.nodeName();
    }

    public FleetStatus status() {
        return new FleetStatus(config.nodeName(), stores.sharedRevision(), connected, lastError, lastErrorAt, pushReport);
    }

    /** What every node last reported under {@code fleet/status/}, by node name. */
    public CompletableFuture<Map<String, JsonNode>> nodes() {
        return client.getKVClient().get(bytes(keys.statusRoot()), GetOption.builder().isPrefix(true).build())
                .orTimeout(EtcdStoreAccess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(r -> {
                    Map<String, JsonNode> nodes = new java.util.TreeMap<>();
                    for (KeyValue kv : r.getKvs()) {
                        String node = text(kv.getKey()).substring(keys.statusRoot().length());
                        try {
                            nodes.put(node, JSON.readTree(text(kv.getValue())));
                        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                            nodes.put(node, JSON.getNodeFactory().textNode("unreadable: " + e.getOriginalMessage()));
                        }
                    }
                    return nodes;
                });
    }

    // ---------------------------------------------------------------- pushes

    /** The last push this node applied (what it falls back to when the current one does not build here). */
    public Optional<PushedConfig> lastAppliedPush() {
        try {
            return pushFiles.lastApplied();
        } catch (IOException | RuntimeException e) {
            LOG.error("fleet: the last push applied here cannot be read: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The push a starting node should serve: the one in etcd (its files fetched into
     * {@code server.dataDir/fleet}), or while etcd is away the last one this node applied; empty
     * if nothing was ever pushed (the node's own files are used).
     */
    public Optional<PushedConfig> currentPush() {
        return CompletableFuture.supplyAsync(this::currentPushNow, thread).join();
    }

    private Optional<PushedConfig> currentPushNow() {
        if (connected) {
            try {
                var r = client.getKVClient().get(bytes(keys.config())).get(EtcdStoreAccess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (!r.getKvs().isEmpty()) {
                    KeyValue kv = r.getKvs().get(0);
                    PushManifest manifest = PushManifest.parse(text(kv.getValue()));
                    PushedConfig pushed = pushFiles.materialize(kv.getModRevision(), manifest, client.getKVClient(), keys);
                    pushSeen = kv.getModRevision();
                    pushManifest = manifest;
                    return Optional.of(pushed);
                }
                return Optional.empty();
            } catch (Exception e) {
                LOG.warn("fleet: cannot read the current push from {} ({}); starting from the last one applied here", where,
                        rootMessage(e));
            }
        }
        try {
            Optional<PushedConfig> last = pushFiles.lastApplied();
            last.ifPresent(p -> pushSeen = p.revision());
            return last;
        } catch (IOException | RuntimeException e) {
            LOG.error("fleet: the last push applied here cannot be read ({}); using the node's own files", e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * From now on each new push is handed to {@code handler} (a reload); a push that came while
     * the node was starting is handed over at once.
     */
    public void onPush(java.util.function.Function<PushedConfig, CompletableFuture<List<String>>> handler) {
        pushHandler = handler;
        execute(() -> {
            if (pendingPush != null) {
                PushedConfig p = pendingPush;
                pendingPush = null;
                hand(p);
            }
        });
    }

    /** What came of applying the push at {@code revision} (at start, or by the handler): reported under fleet/status. */
    public void reportPush(long revision, List<String> problems) {
        execute(() -> reportPushNow(revision, problems));
    }

    private void reportPushNow(long revision, List<String> problems) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("revision", revision);
        report.put("applied", problems.isEmpty());
        report.put("problems", problems);
        report.put("at", Instant.now().toString());
        pushReport = report;
        statusDirty = true;
        if (problems.isEmpty() && pushManifest != null && revision == pushSeen) {
            try {
                pushFiles.recordApplied(revision, pushManifest);
            } catch (IOException e) {
                LOG.error("fleet: cannot record the push at revision {} as applied: {}", revision, e.getMessage());
            }
        }
    }

    /** On the fleet thread: a push seen in etcd (by the watch or a resync). */
    private void pushed(long revision, String json) {
        if (revision <= pushSeen) {
            return;
        }
        PushedConfig pushed;
        try {
            PushManifest manifest = PushManifest.parse(json);
            pushed = pushFiles.materialize(revision, manifest, client.getKVClient(), keys);
            pushSeen = revision;
            retryPush = null;
            pushManifest = manifest;
        } catch (PushFiles.Unreachable e) {
            // not refused: fetched again on a later heartbeat (a newer push replaces it)
            LOG.warn("fleet: the push at revision {} cannot be fetched yet ({}); retrying", revision, e.getMessage());
            retryPush = Map.entry(revision, json);
            return;
        } catch (IOException | RuntimeException e) {
            pushSeen = revision;
            retryPush = null;
            LOG.error("fleet: the push at revision {} is refused: {}; this node keeps what it serves", revision, e.getMessage());
            reportPushNow(revision, List.of(String.valueOf(e.getMessage())));
            return;
        }
        LOG.info("fleet: {} received", pushed.label());
        hand(pushed);
    }

    private void hand(PushedConfig pushed) {
        var handler = pushHandler;
        if (handler == null) {
            pendingPush = pushed;
            return;
        }
        handler.apply(pushed).whenCompleteAsync((problems, error) -> reportPushNow(pushed.revision(),
                error != null ? List.of("the reload failed: " + rootMessage(error)) : problems), thread);
    }

    // ---------------------------------------------------------------- SharedStores

    @Override
    public List<String> ensure(List<KeyValueStoreConfig> configured) {
        return CompletableFuture.supplyAsync(() -> ensureNow(configured), thread).join();
    }

    private List<String> ensureNow(List<KeyValueStoreConfig> configured) {
        List<String> problems = new ArrayList<>();
        List<SharedChange> loaded = new ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            KeyValueStoreConfig store = configured.get(i);
            String at = "keyValueStores[" + i + "] (" + store.name() + ")";
            if (stores.serves(store.name())) {
                continue;
            }
            if (!connected) {
                break; // the local snapshot stands in (and a store it lacks is refused there)
            }
            try {
                if (access.meta(store.name(), 0).isEmpty()) {
                    KeyValueStore seed = KeyValueStore.importFrom(store.name(), store.importSource());
                    if (access.createIfAbsent(store.name(), seed)) {
                        LOG.info("{}: created in {} from {} ({} keys)", at, where, store.importSource(), seed.size());
                    }
                }
                Optional<SharedChange> whole = access.load(store.name(), 0);
                if (whole.isEmpty()) {
                    problems.add(at + ": deleted from " + where + " while this node was creating it; try again");
                    continue;
                }
                loaded.add(whole.get());
                LOG.info("{}: {} keys from {} (version {})", at, whole.get().contents().size(), where,
                        whole.get().version().etag());
            } catch (KeyValueStoreException e) {
                problems.add(at + ".importSource: " + e.getMessage());
            } catch (KeyValueStoreError e) {
                if (e.kind() == KeyValueStoreError.Kind.UNAVAILABLE) {
                    disconnected(e.getMessage());
                    scheduleReconnect();
                    break; // the stores loaded so far are served; the rest are the local snapshot's to stand in for
                }
                problems.add(at + ": " + e.getMessage());
            }
        }
        if (problems.isEmpty() && !loaded.isEmpty()) {
            // Revision 0: loading a store does not move where the watch stands for the others.
            stores.applyShared(new SharedUpdate(0, loaded)).join();
        }
        return problems;
    }

    @Override
    public long write(String name, String ifMatch, KeyChanges changes) throws KeyValueStoreError {
        return access.write(name, ifMatch, changes);
    }

    @Override
    public long replace(String name, String ifMatch, KeyValueStore contents) throws KeyValueStoreError {
        return access.replace(name, ifMatch, contents);
    }

    // ---------------------------------------------------------------- the watch (fleet thread)

    /** One watch stream; once it failed, nothing more it delivers is used. */
    private final class WatchSession implements Watch.Listener {
        private volatile boolean dead;
        private Watch.Watcher watcher;
        /** When this stream last delivered anything (System.nanoTime). */
        private volatile long heardAt = System.nanoTime();

        @Override
        public void onNext(WatchResponse response) {
            if (dead) {
                return;
            }
            heardAt = System.nanoTime();
            List<WatchEvent> events = List.copyOf(response.getEvents());
            long header = response.getHeader().getRevision();
            boolean progress = response.isProgressNotify();
            execute(() -> received(this, events, header, progress));
        }

        @Override
        public void onError(Throwable error) {
            if (dead) {
                return;
            }
            dead = true; // before jetcd's own resume can deliver anything from a revision of its choosing
            execute(() -> watchFailed(this, error));
        }

        @Override
        public void onCompleted() {
            if (dead) {
                return; // closed by us, or by jetcd after an error it reported
            }
            dead = true; // ended by the server without an error: nothing more would come
            execute(() -> watchFailed(this, new IllegalStateException("the watch stream ended")));
        }

        void close() {
            dead = true;
            if (watcher != null) {
                try {
                    watcher.close();
                } catch (RuntimeException ignored) {
                    // the stream is gone already
                }
            }
        }
    }

    private void execute(Runnable task) {
        if (closed) {
            return;
        }
        try {
            thread.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private void connectAtStart(long local) {
        long head;
        try {
            head = access.head();
        } catch (KeyValueStoreError e) {
            LOG.warn("fleet: etcd is unreachable at start ({}); serving the local snapshot at revision {} and retrying",
                    e.getMessage(), local);
            outageLogged = true;
            disconnected(e.getMessage());
            caughtUp.complete(null);
            scheduleReconnect();
            return;
        }
        connected();
        catchUpTarget = head;
        if (local == 0) {
            LOG.info("fleet: node {} joins with an empty snapshot at revision {}", config.nodeName(), head);
            resync();
        } else {
            LOG.info("fleet: node {} resumes from its snapshot at revision {}; etcd is at {}", config.nodeName(), local, head);
            startWatch(local + 1);
            checkCaughtUp();
        }
    }

    private void startWatch(long from) {
        WatchSession session = new WatchSession();
        watch = session;
        try {
            session.watcher = client.getWatchClient().watch(bytes(keys.prefix()), WatchOption.builder().isPrefix(true)
                    .withRevision(from).withProgressNotify(true).withRequireLeader(true).build(), session);
            // etcd answers a progress request only once the watch has replayed what it missed: that
            // answer is what says "caught up" when nothing changed meanwhile
            for (long delay : new long[] {20, 100, 300}) {
                thread.schedule(() -> requestProgress(session), delay, TimeUnit.MILLISECONDS);
            }
        } catch (RuntimeException e) {
            watch = null;
            disconnected("cannot watch: " + e.getMessage());
            scheduleReconnect();
        }
    }

    private void requestProgress(WatchSession session) {
        if (session == watch && !session.dead && session.watcher != null) {
            try {
                session.watcher.requestProgress();
            } catch (RuntimeException ignored) {
                // the stream is being replaced; the next one asks again
            }
        }
    }

    private void received(WatchSession session, List<WatchEvent> events, long header, boolean progress) {
        if (session != watch) {
            return;
        }
        try {
            if (events.isEmpty()) {
                // "Nothing happened up to here": used to know the replay is done, but it does not move the
                // recorded revision (etcd before 3.4.25 can send one ahead of queued events, etcd#15220).
                if (progress && !caughtUp.isDone() && header >= catchUpTarget) {
                    caughtUp.complete(null);
                }
                return;
            }
            List<SharedChange> changes = new ArrayList<>();
            Map<String, String> incarnations = new HashMap<>();
            WatchEvent push = null;
            for (WatchEvent event : events) {
                if (text(event.getKeyValue().getKey()).equals(keys.config())) {
                    push = event;
                }
            }
            long last = 0;
            int i = 0;
            while (i < events.size()) {
                long revision = events.get(i).getKeyValue().getModRevision();
                int j = i;
                while (j < events.size() && events.get(j).getKeyValue().getModRevision() == revision) {
                    j++;
                }
                changes.addAll(changesAt(events.subList(i, j), revision, incarnations));
                last = revision;
                i = j;
            }
            apply(new SharedUpdate(last, changes));
            if (push != null) {
                if (push.getEventType() == WatchEvent.EventType.DELETE) {
                    LOG.warn("fleet: the push was deleted from {}; this node keeps serving what it applied", where);
                } else {
                    pushed(push.getKeyValue().getModRevision(), text(push.getKeyValue().getValue()));
                }
            }
        } catch (KeyValueStoreError e) {
            // an import could not be read whole: nothing of this response was applied; resume before it
            session.close();
            watch = null;
            disconnected(e.getMessage());
            scheduleReconnect();
        }
    }

    /** The changes one etcd revision (one transaction) made to the stores this node serves. */
    private List<SharedChange> changesAt(List<WatchEvent> events, long revision, Map<String, String> incarnations)
            throws KeyValueStoreError {
        Map<String, StoreMeta> metas = new LinkedHashMap<>();
        Map<String, List<WatchEvent>> data = new LinkedHashMap<>();
        for (WatchEvent event : events) {
            Optional<EtcdKeys.StoreKey> key = keys.parse(text(event.getKeyValue().getKey()));
            if (key.isEmpty() || !stores.serves(key.get().store())) {
                continue;
            }
            String store = key.get().store();
            if (key.get().meta()) {
                if (event.getEventType() == WatchEvent.EventType.DELETE) {
                    LOG.error("fleet: store {} was deleted from {} at revision {}; this node keeps serving its last"
                            + " contents (a missing revocation list must not open the door)", store, where, revision);
                    continue;
                }
                try {
                    metas.put(store, StoreMeta.parse(text(event.getKeyValue().getValue())));
                } catch (IllegalArgumentException e) {
                    LOG.error("fleet: store {}: {} at revision {} is not applied: {}", store, keys.meta(store), revision,
                            e.getMessage());
                }
            } else {
                data.computeIfAbsent(store, s -> new ArrayList<>()).add(event);
            }
        }
        List<SharedChange> changes = new ArrayList<>();
        Set<String> touched = new LinkedHashSet<>(metas.keySet());
        touched.addAll(data.keySet());
        for (String store : touched) {
            String incarnation = incarnations.computeIfAbsent(store,
                    s -> stores.current(s).map(l -> l.version().incarnation()).orElse(""));
            StoreMeta meta = metas.get(store);
            if (meta == null) {
                continue; // keys of an import not made current yet, or written around the API: not the store's state
            }
            long served = stores.current(store).map(l -> l.version().version()).orElse(0L);
            if (revision <= served) {
                continue; // a replay of what the store already has (it was loaded whole at or after this)
            }
            if (!meta.incarnation().equals(incarnation)) {
                // an import (or a store created again): its keys were written before; read it whole at this revision
                access.load(store, revision).ifPresent(changes::add);
                incarnations.put(store, meta.incarnation());
                continue;
            }
            Map<String, String> puts = new LinkedHashMap<>();
            Set<String> deletes = new LinkedHashSet<>();
            String prefix = keys.data(store, incarnation);
            for (WatchEvent event : data.getOrDefault(store, List.of())) {
                String key = text(event.getKeyValue().getKey());
                if (!key.startsWith(prefix)) {
                    continue;
                }
                String entry = key.substring(prefix.length());
                if (event.getEventType() == WatchEvent.EventType.DELETE) {
                    puts.remove(entry);
                    deletes.add(entry);
                } else {
                    deletes.remove(entry);
                    puts.put(entry, text(event.getKeyValue().getValue()));
                }
            }
            changes.add(SharedChange.keys(store, meta.at(revision), puts, deletes));
        }
        return changes;
    }

    private void apply(SharedUpdate update) {
        long before = stores.sharedRevision();
        stores.applyShared(update).join();
        if (!update.changes().isEmpty() || before == 0) {
            statusDirty = true; // not for events that changed nothing here (other nodes' status): no ping-pong
        }
        checkCaughtUp();
    }

    private void checkCaughtUp() {
        if (!caughtUp.isDone() && stores.sharedRevision() >= catchUpTarget) {
            caughtUp.complete(null);
        }
    }

    private void watchFailed(WatchSession session, Throwable error) {
        if (session != watch) {
            return;
        }
        session.close();
        watch = null;
        if (error instanceof CompactedException c) {
            LOG.warn("fleet: etcd compacted past revision {} (to {}); reading every store whole again",
                    stores.sharedRevision(), c.getCompactedRevision());
            resync();
            return;
        }
        disconnected("the watch failed: " + error.getMessage());
        scheduleReconnect();
    }

    /** Every served store read whole at one revision, then a watch from just after it. */
    private void resync() {
        try {
            long head = access.head();
            List<SharedChange> changes = new ArrayList<>();
            for (String store : stores.served()) {
                Optional<SharedChange> whole = access.load(store, head);
                if (whole.isPresent()) {
                    changes.add(whole.get());
                } else {
                    LOG.error("fleet: store {} is not in {} at revision {}; this node keeps serving its last contents",
                            store, where, head);
                }
            }
            apply(new SharedUpdate(head, changes));
            connected();
            var config = client.getKVClient().get(bytes(keys.config()), GetOption.builder().withRevision(head).build())
                    .get(EtcdStoreAccess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (!config.getKvs().isEmpty()) {
                pushed(config.getKvs().get(0).getModRevision(), text(config.getKvs().get(0).getValue()));
            }
            startWatch(head + 1);
        } catch (KeyValueStoreError e) {
            disconnected(e.getMessage());
            scheduleReconnect();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            disconnected("cannot read the push: " + rootMessage(e));
            scheduleReconnect();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void scheduleReconnect() {
        if (reconnectScheduled || closed) {
            return;
        }
        reconnectScheduled = true;
        long delay = backoffMs;
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        try {
            thread.schedule(this::reconnect, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private void reconnect() {
        reconnectScheduled = false;
        if (closed || watch != null) {
            return;
        }
        long head;
        try {
            head = access.head();
        } catch (KeyValueStoreError e) {
            disconnected(e.getMessage());
            scheduleReconnect();
            return;
        }
        connected();
        if (catchUpTarget == Long.MAX_VALUE) {
            catchUpTarget = head;
        }
        // exactly after the last change applied; a compaction since is the watch's error to report
        startWatch(stores.sharedRevision() + 1);
        checkCaughtUp();
    }

    private void connected() {
        backoffMs = 250;
        if (!connected) {
            connected = true;
            statusDirty = true;
            if (outageLogged) {
                LOG.info("fleet: {} is reachable again; catching up from revision {}", where, stores.sharedRevision());
                outageLogged = false;
            }
        }
    }

    /** Logged once per outage, not once per retry. */
    private void disconnected(String why) {
        lastError = why;
        lastErrorAt = Instant.now();
        connected = false;
        if (!outageLogged) {
            outageLogged = true;
            LOG.warn("fleet: {}; serving the last snapshot (revision {}) and retrying", why, stores.sharedRevision());
        }
    }

    /** Every second: tell etcd where this node stands if that changed (which also proves etcd is there). */
    private void heartbeat() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        if (retryPush != null && connected) {
            pushed(retryPush.getKey(), retryPush.getValue());
        }
        if (watch != null && progressAskedAt != 0 && watch.heardAt < progressAskedAt
                && now - progressAskedAt > WATCH_SILENCE.toNanos()) {
            // asked, and nothing at all came back: a stream that stopped without an error; start another
            LOG.warn("fleet: the watch answered nothing for {} s; watching again from revision {}",
                    WATCH_SILENCE.toSeconds(), stores.sharedRevision() + 1);
            watch.close();
            watch = null;
            progressAskedAt = 0;
            reconnect();
        }
        if (watch != null && (!caughtUp.isDone() || now - progressAskedAt > PROGRESS_EVERY.toNanos())) {
            if (progressAskedAt == 0 || watch.heardAt >= progressAskedAt) {
                progressAskedAt = now;
            }
            requestProgress(watch);
        }
        boolean write = statusDirty || now - statusWrittenAt > STATUS_REFRESH.toNanos();
        CompletableFuture<?> call;
        if (write) {
            statusDirty = false;
            statusWrittenAt = now;
            call = client.getKVClient().put(bytes(keys.status(config.nodeName())), bytes(statusJson()), PutOption.DEFAULT);
        } else {
            call = client.getKVClient().get(bytes(keys.status(config.nodeName())), GetOption.builder().withCountOnly(true).build());
        }
        call.orTimeout(EtcdStoreAccess.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenCompleteAsync((r, e) -> {
            if (e != null) {
                if (write) {
                    statusDirty = true;
                }
                disconnected("heartbeat: " + rootMessage(e));
                if (watch != null) {
                    watch.close(); // resume from our own revision once etcd answers again
                    watch = null;
                }
                scheduleReconnect();
            } else if (watch == null) {
                reconnect(); // etcd is back: catch up now, not after the backoff
            }
        }, thread);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException)) {
            t = t.getCause();
        }
        return t instanceof java.util.concurrent.TimeoutException ? "no answer within " + EtcdStoreAccess.TIMEOUT.toSeconds()
                + " s" : String.valueOf(t.getMessage());
    }

    private String statusJson() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("nodeName", config.nodeName());
        status.put("revision", stores.sharedRevision());
        status.put("connected", true);
        status.put("lastError", lastError);
        status.put("lastErrorAt", lastErrorAt == null ? null : lastErrorAt.toString());
        status.put("reportedAt", Instant.now().toString());
        status.put("push", pushReport);
        try {
            return JSON.writeValueAsString(status);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "{}";
        }
    }

    @Override
    public void close() {
        closed = true;
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
            if (watch != null) {
                watch.close();
                watch = null;
            }
        }, thread);
        try {
            stopped.get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing anyway
        }
        thread.shutdownNow();
        client.close();
    }
}
