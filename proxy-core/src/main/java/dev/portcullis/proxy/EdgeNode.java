package dev.portcullis.proxy;

import dev.portcullis.config.EdgeConfig;
import dev.portcullis.fleet.EtcdFleet;
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
 */
public final class EdgeNode implements AutoCloseable {
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
        try {
            server = EdgeServer.start(config, new CompositeObserver(observers), stores.snapshots(), metrics);
        } catch (StartupException | RuntimeException e) {
            logs.close();
            closeStores(fleet, stores);
            throw e;
        }
        stores.onChange(server.recheck()::storeChanged);
        metrics.trackCrls(() -> server.generation().revocation());
        ConfigReloader reloader = new ConfigReloader(server, config, stores, metrics.registry());
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

    private static void closeStores(EtcdFleet fleet, LiveKeyValueStores stores) {
        if (fleet != null) {
            fleet.close();
        }
        stores.close();
    }

    /**
     * With {@code fleet}: etcd becomes the stores' truth (the database in server.dataDir the local
     * snapshot), then every configured store is created there or loaded from it.
     */
    private static EtcdFleet joinFleet(EdgeConfig config, LiveKeyValueStores stores, EdgeMetrics metrics)
            throws StartupException {
        if (config.fleet().isEmpty()) {
            return null;
        }
        EtcdFleet fleet;
        try {
            fleet = EtcdFleet.join(config.fleet().get(), stores, metrics.registry());
        } catch (FleetException e) {
            throw new StartupException(e.getMessage());
        }
        List<String> problems;
        try {
            problems = stores.ensure(config.keyValueStores());
        } catch (RuntimeException e) {
            fleet.close();
            throw new StartupException("keyValueStores: " + e.getMessage(), e);
        }
        if (!problems.isEmpty()) {
            fleet.close();
            throw new StartupException(String.join("\n", problems));
        }
        return fleet;
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
            return stores; // the fleet creates or loads them (joinFleet)
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
