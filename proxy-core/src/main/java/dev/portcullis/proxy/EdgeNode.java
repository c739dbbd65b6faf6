package dev.portcullis.proxy;

import dev.portcullis.config.EdgeConfig;
import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.fleet.EtcdFleet;
import dev.portcullis.fleet.PushedConfig;
import dev.portcullis.fleet.FleetException;
import dev.portcullis.kvs.KeyValueStoreError;
import dev.portcullis.kvs.LiveKeyValueStores;
import dev.portcullis.kvs.SqliteBackend;
import dev.portcullis.proxy.admin.AdminServer;
import dev.portcullis.proxy.admin.EdgeMetrics;
import dev.portcullis.proxy.logs.EdgeLogs;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running node as {@code portcullis run} starts it: the edge server, its metrics and the admin
 * endpoint. Tests start exactly this too.
 *
 * <p>Over 250 lines: the node's assembly in order (stores, fleet, first generation, server, admin,
 * logs, metrics) and its shutdown in reverse; each step's failure has to undo the ones before it,
 * which is only readable in one place.
 */
public final class EdgeNode implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("portcullis.fleet");
    private final EdgeConfig config;
    private final EdgeServer server;
    private final AdminServer admin;
    private final EdgeMetrics metrics;
    private final EdgeLogs logs;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private final ConfigReloader reloader;
    private final LiveKeyValueStores stores;
    private final EtcdFleet fleet;
    private ConfigWatcher watcher;

    private EdgeNode(EdgeConfig config, EdgeServer server, AdminServer admin, EdgeMetrics metrics, EdgeLogs logs,
                     ConfigReloader reloader, LiveKeyValueStores stores, EtcdFleet fleet) {
        this.reloader = reloader;
        this.stores = stores;
        this.fleet = fleet;
        this.config = config;
        this.server = server;
        this.admin = admin;
        this.metrics = metrics;
        this.logs = logs;
    }

    public static EdgeNode start(EdgeConfig config) throws StartupException {
        EdgeMetrics metrics = new EdgeMetrics();
        List<ConnectionObserver> observers = new ArrayList<>();
        observers.add(metrics);
        LiveKeyValueStores stores = openStores(config);
        EtcdFleet fleet;
        try {
            fleet = joinFleet(config, stores, metrics);
        } catch (StartupException | RuntimeException e) {
            stores.close(); // (no fleet yet)
            throw e;
        }
        EdgeLogs logs;
        EdgeServer server;
        try {
            logs = EdgeLogs.open(config.logging(), metrics.registry());
        } catch (RuntimeException e) {
            closeStores(fleet, stores);
            throw e;
        }
        observers.add(logs);
        PushedConfig servedPush;
        try {
            Serving serving = startServing(config, fleet, stores, new CompositeObserver(observers), metrics);
            server = serving.server();
            servedPush = serving.push();
        } catch (StartupException | RuntimeException e) {
            logs.close();
            closeStores(fleet, stores);
            throw e;
        }
        if (fleet != null) {
            // the local snapshot's stores the served config does not name: not kept current, so not kept
            stores.retainOnly(server.generation().config().keyValueStores().stream().map(k -> k.name())
                    .collect(java.util.stream.Collectors.toSet()));
        }
        stores.onChange(server.recheck()::storeChanged);
        metrics.trackCrls(() -> server.generation().revocation());
        ConfigReloader reloader = new ConfigReloader(server, config, stores, metrics.registry());
        if (fleet != null) {
            if (servedPush != null) {
                reloader.startedFrom(servedPush);
                fleet.reportPush(servedPush.revision(), List.of());
            }
            fleet.onPush(reloader::applyPush);
        }
        AdminServer admin = null;
        if (config.server().admin().isPresent()) {
            InetSocketAddress address = config.server().admin().get();
            try {
                admin = AdminServer.start(address, config.server().adminTls(), metrics, () -> !server.isDraining(),
                        reloader, stores, Optional.ofNullable(fleet));
            } catch (StartupException e) {
                reloader.close();
                server.shutdown(java.time.Duration.ZERO);
                logs.close();
                closeStores(fleet, stores);
                throw e;
            } catch (Exception e) {
                reloader.close();
                server.shutdown(java.time.Duration.ZERO);
                logs.close();
                closeStores(fleet, stores);
                throw new StartupException("server.admin: cannot listen on " + address + ": " + e.getMessage(), e);
            }
        }
        EdgeNode node = new EdgeNode(config, server, admin, metrics, logs, reloader, stores, fleet);
        if (config.server().watchConfig()) {
            try {
                node.watcher = ConfigWatcher.start(reloader, () -> server.generation().config());
            } catch (java.io.IOException | RuntimeException e) {
                node.close();
                throw new StartupException("server.watchConfig: cannot watch the config's files: " + e.getMessage(), e);
            }
        }
        return node;
    }

    /** The server a node starts, and the fleet push it serves (null: its own files). */
    private record Serving(EdgeServer server, PushedConfig push) {
    }

    /**
     * Starts serving the fleet's current push if there is one and it builds, else the last push
     * this node applied, else the node's own files (a node that once followed the fleet should not
     * fall back to files the fleet has moved on from while a newer push exists). A push that does
     * not build is reported under fleet/status and logged, never half used.
     */
    private static Serving startServing(EdgeConfig config, EtcdFleet fleet, LiveKeyValueStores stores,
                                        ConnectionObserver observer, EdgeMetrics metrics) throws StartupException {
        List<PushedConfig> candidates = new ArrayList<>();
        if (fleet != null) {
            Optional<PushedConfig> current = fleet.currentPush();
            current.ifPresent(candidates::add);
            fleet.lastAppliedPush().filter(last -> current.isEmpty() || last.revision() != current.get().revision())
                    .ifPresent(candidates::add);
        }
        for (PushedConfig push : candidates) {
            List<String> problems;
            try {
                EdgeConfig pushed = ConfigLoader.parsePushed(push.text(), push.baseDir(), push.relocations(), config,
                        push.label());
                problems = ensureStores(stores, pushed);
                if (problems.isEmpty()) {
                    EdgeServer server = EdgeServer.start(pushed, observer, stores.snapshots(), metrics);
                    LOG.info("serving {}: pushed files win over the local ones named by {}", push.label(), config.source());
                    return new Serving(server, push);
                }
            } catch (ConfigException e) {
                problems = e.problems();
            } catch (StartupException e) {
                problems = List.of(e.getMessage().split("\n"));
            }
            problems = push.inPushedNames(problems);
            LOG.error("{} does not build here ({} problem(s)); trying {}", push.label(), problems.size(),
                    push == candidates.get(candidates.size() - 1) ? "the node's own files" : "the last push applied here");
            problems.forEach(p -> LOG.error("{}: {}", push.label(), p));
            fleet.reportPush(push.revision(), problems);
        }
        List<String> problems = fleet == null ? List.of() : ensureStores(stores, config);
        if (!problems.isEmpty()) {
            throw new StartupException(String.join("\n", problems));
        }
        return new Serving(EdgeServer.start(config, observer, stores.snapshots(), metrics), null);
    }

    private static List<String> ensureStores(LiveKeyValueStores stores, EdgeConfig config) throws StartupException {
        try {
            return stores.ensure(config.keyValueStores());
        } catch (RuntimeException e) {
            throw new StartupException("keyValueStores: " + e.getMessage(), e);
        }
    }

    private static void closeStores(EtcdFleet fleet, LiveKeyValueStores stores) {
        if (fleet != null) {
            fleet.close();
        }
        stores.close();
    }

    /** With {@code fleet}: etcd becomes the stores' truth, the database in server.dataDir its local snapshot. */
    private static EtcdFleet joinFleet(EdgeConfig config, LiveKeyValueStores stores, EdgeMetrics metrics)
            throws StartupException {
        if (config.fleet().isEmpty()) {
            return null;
        }
        try {
            return EtcdFleet.join(config.fleet().get(), config.server().dataDir(), stores, metrics.registry());
        } catch (FleetException e) {
            throw new StartupException(e.getMessage());
        }
    }

    /** The database in server.dataDir, holding every configured store (created from importSource the first time). */
    private static LiveKeyValueStores openStores(EdgeConfig config) throws StartupException {
        LiveKeyValueStores stores;
        try {
            stores = new LiveKeyValueStores(SqliteBackend.open(config.server().dataDir()), java.time.Clock.systemUTC());
        } catch (KeyValueStoreError e) {
            throw new StartupException(e.getMessage());
        }
        if (config.fleet().isPresent()) {
            return stores; // created in or loaded from the fleet's etcd once it is joined (startServing)
        }
        List<String> problems;
        try {
            problems = stores.ensure(config.keyValueStores());
        } catch (RuntimeException e) {
            stores.close();
            throw new StartupException("keyValueStores: " + e.getMessage(), e);
        }
        if (!problems.isEmpty()) {
            stores.close();
            throw new StartupException(String.join("\n", problems));
        }
        return stores;
    }

    /** Reloads the config file (SIGHUP, POST /reload): see {@link ConfigReloader}. */
    public java.util.concurrent.CompletableFuture<ConfigReloader.Result> reload() {
        return reloader.reload();
    }

    public EdgeServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    public Optional<InetSocketAddress> adminAddress() {
        return Optional.ofNullable(admin).map(AdminServer::address);
    }

    public EdgeMetrics metrics() {
        return metrics;
    }

    /** Waits until every log record offered so far is written. */
    public boolean flushLogs(java.time.Duration timeout) {
        return logs.flush(timeout);
    }

    /** Reopens the log files (SIGHUP, after logrotate moved them). */
    public void reopenLogs() {
        logs.reopen();
    }

    /** Drains (bounded by server.drainTimeout), stops, and flushes the logs; safe to call twice. */
    @Override
    public void close() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        if (watcher != null) {
            watcher.close();
        }
        reloader.close();
        server.shutdown(config.server().drainTimeout());
        if (admin != null) {
            admin.close();
        }
        closeStores(fleet, stores);
        logs.close();
    }

    /** This node's fleet membership, if the config has {@code fleet}. */
    public Optional<EtcdFleet> fleet() {
        return Optional.ofNullable(fleet);
    }

    /** The live KeyValueStores (the admin API writes through them). */
    public LiveKeyValueStores stores() {
        return stores;
    }
}
