package dev.portcullis.proxy;

import dev.portcullis.config.EdgeConfig;
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

    private EdgeNode(EdgeConfig config, EdgeServer server, AdminServer admin, EdgeMetrics metrics, EdgeLogs logs,
                     ConfigReloader reloader) {
        this.reloader = reloader;
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
        EdgeLogs logs = EdgeLogs.open(config.logging(), metrics.registry());
        observers.add(logs);
        EdgeServer server;
        try {
            server = EdgeServer.start(config, new CompositeObserver(observers));
        } catch (StartupException | RuntimeException e) {
            logs.close();
            throw e;
        }
        ConfigReloader reloader = new ConfigReloader(server, config, metrics.registry());
        AdminServer admin = null;
        if (config.server().admin().isPresent()) {
            InetSocketAddress address = config.server().admin().get();
            try {
                admin = AdminServer.start(address, metrics, () -> !server.isDraining(), reloader);
            } catch (Exception e) {
                reloader.close();
                server.shutdown(java.time.Duration.ZERO);
                logs.close();
                throw new StartupException("server.admin: cannot listen on " + address + ": " + e.getMessage(), e);
            }
        }
        return new EdgeNode(config, server, admin, metrics, logs, reloader);
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
        reloader.close();
        server.shutdown(config.server().drainTimeout());
        if (admin != null) {
            admin.close();
        }
        logs.close();
    }
}
