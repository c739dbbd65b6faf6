package dev.portcullis.proxy;

import dev.portcullis.config.Distribution;
import dev.portcullis.config.EdgeConfig;
import dev.portcullis.config.Origin;
import dev.portcullis.config.OriginProtocol;
import dev.portcullis.config.TrustStoreConfig;
import dev.portcullis.proxy.functions.ConnectionFunctions;
import dev.portcullis.proxy.functions.FunctionGate;
import dev.portcullis.proxy.http.ProxyServices;
import dev.portcullis.proxy.http.ViewerHttpInstaller;
import dev.portcullis.proxy.origin.OriginClient;
import dev.portcullis.proxy.origin.OriginTls;
import dev.portcullis.proxy.origin.Transports;
import dev.portcullis.proxy.tls.ClientAddressLimits;
import dev.portcullis.proxy.tls.ConnectionHandler;
import dev.portcullis.proxy.tls.DistributionSniHandler;
import dev.portcullis.proxy.tls.EdgeDistribution;
import dev.portcullis.proxy.tls.EdgeDistributions;
import dev.portcullis.proxy.tls.EngineBindings;
import dev.portcullis.proxy.tls.NativeCrypto;
import dev.portcullis.proxy.tls.TlsOutcomeHandler;
import dev.portcullis.proxy.tls.ViewerTlsContexts;
import dev.portcullis.truststore.TrustStore;
import dev.portcullis.truststore.TrustStoreException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge node: loads trust stores, builds one SslContext per distribution, binds the listener and
 * assembles each viewer pipeline (see {@link HandlerNames} for the order).
 *
 * <p>Threads: one acceptor, N event loops (epoll) for all I/O, viewer and origin alike, and a
 * bounded handshake executor where client chains are validated and connection functions run.
 */
public final class EdgeServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis");
    private static final int HANDSHAKE_QUEUE = 4096;

    private final EdgeConfig config;
    private final EdgeDistributions distributions;
    private final Prepared prepared;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final ThreadPoolExecutor handshakeExecutor;
    private final ChannelGroup channels = new DefaultChannelGroup("viewers", GlobalEventExecutor.INSTANCE);
    private final ProxyServices services;
    private final ConnectionHandler connectionHandler;
    private final Channel listener;

    private EdgeServer(EdgeConfig config, Prepared prepared, EngineBindings bindings,
                       ConnectionObserver observer) throws StartupException {
        this.config = config;
        this.prepared = prepared;
        EdgeDistributions distributions = prepared.distributions();
        this.distributions = distributions;
        int cores = Runtime.getRuntime().availableProcessors();
        int handshakeThreads = config.server().handshakeThreads() > 0 ? config.server().handshakeThreads() : cores;
        this.handshakeExecutor = new ThreadPoolExecutor(handshakeThreads, handshakeThreads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(HANDSHAKE_QUEUE), new DefaultThreadFactory("portcullis-handshake", true));
        this.acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("portcullis-accept"), Transports.ioHandlerFactory());
        this.workers = new MultiThreadIoEventLoopGroup(cores, new DefaultThreadFactory("portcullis-io"), Transports.ioHandlerFactory());
        this.services = new ProxyServices(distributions, observer, config.server().idleTimeout(),
                config.server().limits());
        ClientAddressLimits perAddress = new ClientAddressLimits(config.server().limits());
        this.connectionHandler = new ConnectionHandler(observer, config.server().maxConnections(), perAddress);
        ViewerHttpInstaller http = new ViewerHttpInstaller(services);
        long handshakeTimeout = config.server().handshakeTimeout().toMillis();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        ch.pipeline().addLast(HandlerNames.CONNECTION, connectionHandler);
                        ch.pipeline().addLast(HandlerNames.SNI, new DistributionSniHandler(distributions, bindings,
                                handshakeExecutor, handshakeTimeout));
                        ch.pipeline().addLast(HandlerNames.TLS_OUTCOME, new TlsOutcomeHandler(observer, http, handshakeExecutor, perAddress));
                    }
                });
        try {
            this.listener = bootstrap.bind(config.server().listen()).sync().channel();
        } catch (Exception e) {
            shutdownThreads();
            throw new StartupException("server.listen: cannot listen on " + config.server().listen() + ": " + e.getMessage(), e);
        }
    }

    /** Builds everything the config describes and starts listening; refuses with every problem found. */
    public static EdgeServer start(EdgeConfig config, ConnectionObserver observer) throws StartupException {
        EngineBindings bindings = new EngineBindings();
        Prepared prepared = prepare(config, bindings);
        EdgeServer server;
        try {
            server = new EdgeServer(config, prepared, bindings, observer);
        } catch (StartupException | RuntimeException e) {
            prepared.close();
            throw e;
        }
        EdgeDistributions distributions = prepared.distributions();
        LOG.info("listening on {} ({} transport, chain signatures: {}), distributions {}", server.address(),
                Transports.epoll() ? "epoll" : "nio", NativeCrypto.install(),
                distributions.all().stream().map(EdgeDistribution::id).toList());
        return server;
    }

    /**
     * Loads every trust store and builds every distribution's TLS context and origin clients without
     * binding anything: {@code portcullis validate} runs exactly this. All problems are collected.
     */
    public static Prepared prepare(EdgeConfig config, EngineBindings bindings) throws StartupException {
        NativeCrypto.install();
        List<String> problems = new ArrayList<>();
        ConnectionFunctions functions = ConnectionFunctions.load(config, problems);
        Map<String, TrustStore> stores = new LinkedHashMap<>();
        for (int i = 0; i < config.trustStores().size(); i++) {
            TrustStoreConfig ts = config.trustStores().get(i);
            try {
                stores.put(ts.id(), TrustStore.load(ts.id(), ts.caCertificatesBundle()));
            } catch (TrustStoreException e) {
                problems.add("trustStores[" + i + "] (" + ts.id() + ").caCertificatesBundle: " + e.getMessage());
            }
        }
        List<EdgeDistribution> built = new ArrayList<>();
        for (Distribution d : config.distributions()) {
            try {
                Optional<FunctionGate> gate = d.connectionFunctionId().flatMap(functions::get).map(FunctionGate::new);
                if (d.connectionFunctionId().isPresent() && gate.isEmpty()) {
                    continue; // its compile error is already reported; never serve the distribution without it
                }
                SslContext tls = ViewerTlsContexts.build(d, stores, bindings, gate);
                Map<String, OriginClient> origins = new LinkedHashMap<>();
                for (Origin origin : d.origins()) {
                    SslContext originTls = origin.protocol() == OriginProtocol.HTTPS
                            ? OriginTls.forOrigin(origin, "distribution " + d.id() + ": origin " + origin.id()) : null;
                    origins.put(origin.id(), new OriginClient(origin, originTls));
                }
                built.add(new EdgeDistribution(d, tls, origins, gate));
            } catch (StartupException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            functions.close();
            throw new StartupException(String.join("\n", problems));
        }
        return new Prepared(new EdgeDistributions(built), functions);
    }

    /** What {@link #prepare} built: the distributions and the function runtime they share (closed on shutdown). */
    public record Prepared(EdgeDistributions distributions, ConnectionFunctions functions) implements AutoCloseable {
        @Override
        public void close() {
            functions.close();
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    public int activeConnections() {
        return connectionHandler.activeConnections();
    }

    public boolean isDraining() {
        return services.draining().get();
    }

    public EdgeDistributions distributions() {
        return distributions;
    }

    /**
     * Stops accepting, lets in-flight exchanges finish for at most {@code drain} (HTTP/1.1 responses
     * now carry Connection: close), then closes every connection and stops the threads.
     */
    public void shutdown(Duration drain) {
        services.draining().set(true);
        listener.close().awaitUninterruptibly();
        long deadline = System.nanoTime() + drain.toNanos();
        while (services.inFlight().get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20); // shutdown only: polling the in-flight count, not a test
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int left = services.inFlight().get();
        if (left > 0) {
            LOG.warn("drain timeout: closing {} exchange(s) still in flight", left);
        }
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        distributions.all().forEach(d -> d.origins().values().forEach(OriginClient::closeAll));
        shutdownThreads();
        prepared.close();
        LOG.info("stopped");
    }

    @Override
    public void close() {
        shutdown(config.server().drainTimeout());
    }

    private void shutdownThreads() {
        acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        handshakeExecutor.shutdownNow();
    }
}
