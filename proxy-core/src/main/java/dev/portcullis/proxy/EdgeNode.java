package dev.portcullis.proxy;

import dev.portcullis.config.EdgeConfig;
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
    private ConfigWatcher watcher;

    private EdgeNode(EdgeConfig config, EdgeServer server, AdminServer admin, EdgeMetrics metrics, EdgeLogs logs,
                     ConfigReloader reloader, LiveKeyValueStores stores) {
        this.reloader = reloader;
        this.stores = stores;
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
        EdgeLogs logs;
        EdgeServer server;
        try {
            logs = EdgeLogs.open(config.logging(), metrics.registry());
        } catch (RuntimeException e) {
            stores.close();
            throw e;
        }
        observers.add(logs);
        try {
            server = EdgeServer.start(config, new CompositeObserver(observers), stores.snapshots(), metrics);
        } catch (StartupException | RuntimeException e) {
            logs.close();
            stores.close();
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
                        reloader, stores);
            } catch (StartupException e) {
                reloader.close();
                server.shutdown(java.time.Duration.ZERO);
                logs.close();
                stores.close();
                throw e;
            } catch (Exception e) {
                reloader.close();
                server.shutdown(java.time.Duration.ZERO);
                logs.close();
                stores.close();
                throw new StartupException("server.admin: cannot listen on " + address + ": " + e.getMessage(), e);
            }
        }
        EdgeNode node = new EdgeNode(config, server, admin, metrics, logs, reloader, stores);
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

    /** The database in server.dataDir, holding every configured store (created from importSource the first time). */
    private static LiveKeyValueStores openStores(EdgeConfig config) throws StartupException {
        LiveKeyValueStores stores;
        try {
            stores = new LiveKeyValueStores(SqliteBackend.open(config.server().dataDir()), java.time.Clock.systemUTC());
        } catch (KeyValueStoreError e) {
            throw new StartupException(e.getMessage());
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
        stores.close();
        logs.close();
    }

    /** The live KeyValueStores (the admin API writes through them). */
    public LiveKeyValueStores stores() {
        return stores;
    }
}
