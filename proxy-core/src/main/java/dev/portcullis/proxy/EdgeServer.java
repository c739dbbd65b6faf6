package dev.portcullis.proxy;

import dev.portcullis.config.EdgeConfig;
import dev.portcullis.proxy.http.ProxyServices;
import dev.portcullis.proxy.http.ViewerHttpInstaller;
import dev.portcullis.proxy.origin.Transports;
import dev.portcullis.proxy.tls.ClientAddressLimits;
import dev.portcullis.functions.KeyValueStores;
import dev.portcullis.proxy.tls.ConnectionHandler;
import dev.portcullis.proxy.tls.ConnectionRecheck;
import dev.portcullis.proxy.tls.EstablishedConnections;
import dev.portcullis.proxy.tls.CurrentGeneration;
import dev.portcullis.proxy.tls.EdgeDistribution;
import dev.portcullis.proxy.tls.EngineBindings;
import dev.portcullis.proxy.tls.Generation;
import dev.portcullis.proxy.tls.GenerationBuilder;
import dev.portcullis.proxy.tls.NativeCrypto;
import dev.portcullis.proxy.tls.SessionTickets;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.time.Clock;
import dev.portcullis.revocation.CrlExpiry;
import dev.portcullis.revocation.OcspClient;
import dev.portcullis.revocation.OcspObserver;
import dev.portcullis.revocation.RevocationChecker;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge node's listener: the threads, the {@link CurrentGeneration} (what new connections are
 * served with; see {@link Generation}) and the {@link ViewerPipeline} each accepted connection gets (see
 * {@link HandlerNames} for the order).
 *
 * <p>Threads: one acceptor, N event loops (epoll) for all I/O, viewer and origin alike, and a
 * bounded handshake executor where connection functions run (and chain checks, when the JDK's own
 * signature code would make them slow; otherwise they run inline on the event loop).
 *
 * <p>Over 250 lines: the threads, the bind, the generation swap and the drain on shutdown share
 * the same few fields (the loops, the current generation, the draining flag and in-flight count).
 */
public final class EdgeServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis");
    private static final int HANDSHAKE_QUEUE = 4096;

    private final EdgeConfig config;
    private final EngineBindings bindings;
    private final CurrentGeneration generation;
    private final EventLoopGroup acceptor;
    private final EventLoopGroup workers;
    private final ThreadPoolExecutor handshakeExecutor;
    /**
     * Where a chain check that may wait for an OCSP responder runs. Netty runs a delegated task inside
     * the engine's monitor, and before JDK 24 (JEP 491) a virtual thread parked inside a monitor pins
     * its carrier: two waits would then stall every other such check on a two-core node. So: one
     * virtual thread per waiting handshake on JDK 24 and later (a wait holds no platform thread), a
     * pool of up to 256 platform threads before.
     */
    private static final java.util.concurrent.Executor RESPONDER_WAITS = Runtime.version().feature() >= 24
            ? java.util.concurrent.Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("portcullis-revocation-", 0).factory())
            : new ThreadPoolExecutor(0, 256, 30, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(),
                    new DefaultThreadFactory("portcullis-revocation", true));
    private final OcspClient ocsp;
    /**
     * How often the established connections of distributions that check revocation are checked again
     * (an answer or a CRL that expired, or a refresh that found a revocation, reaches a connection that
     * stays open within this, plus the refresh itself at 3/4 of an answer's life), and CRL expiry is
     * announced in the log.
     */
    static final long REVOCATION_RECHECK_SECONDS = 30;
    /** REVOCATION_RECHECK_SECONDS, or -Dportcullis.revocationRecheckMillis (tests that cannot wait 30 s). */
    private final long revocationRecheckMillis = Long.getLong("portcullis.revocationRecheckMillis",
            TimeUnit.SECONDS.toMillis(REVOCATION_RECHECK_SECONDS));
    private final java.util.concurrent.ScheduledExecutorService revocationTicks =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("portcullis-revocation-tick", true));
    private final ChannelGroup channels = new DefaultChannelGroup("viewers", GlobalEventExecutor.INSTANCE);
    private final ProxyServices services;
    private final ConnectionHandler connectionHandler;
    private final KeyValueStores stores;
    private final EstablishedConnections established = new EstablishedConnections();
    private final ConnectionRecheck recheck;
    private final ServerBootstrap bootstrap;
    /** The node's session-ticket keys (distributions with sessionResumption), rotated every hour. */
    private final SessionTickets tickets;
    private Channel listener;

    /**
     * Builds the thread pools (their threads start with the first task each gets) and the pipeline;
     * no I/O and no thread started: {@link #bind} starts the tick and listens.
     */
    private EdgeServer(EdgeConfig config, Generation first, EngineBindings bindings, ConnectionObserver observer,
                       KeyValueStores stores, ThreadPoolExecutor handshakeExecutor, OcspClient ocsp,
                       SessionTickets tickets) {
        this.config = config;
        this.tickets = tickets;
        this.bindings = bindings;
        this.stores = stores;
        this.ocsp = ocsp;
        this.generation = new CurrentGeneration(first);
        this.recheck = new ConnectionRecheck(established, generation, observer);
        ocsp.onRevoked((issuer, serial) -> recheck.certificateRevoked(serial));
        int cores = Runtime.getRuntime().availableProcessors();
        this.handshakeExecutor = handshakeExecutor;
        this.acceptor = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("portcullis-accept"), Transports.ioHandlerFactory());
        this.workers = new MultiThreadIoEventLoopGroup(cores, new DefaultThreadFactory("portcullis-io"), Transports.ioHandlerFactory());
        this.services = new ProxyServices(observer, config.server().idleTimeout(), config.server().limits());
        ClientAddressLimits perAddress = new ClientAddressLimits(config.server().limits());
        this.connectionHandler = new ConnectionHandler(observer, config.server().maxConnections(), perAddress, established);
        ViewerHttpInstaller http = new ViewerHttpInstaller(services);
        long handshakeTimeout = config.server().handshakeTimeout().toMillis();
        this.bootstrap = new ServerBootstrap()
                .group(acceptor, workers)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                // No childOption(TCP_NODELAY): Netty's socket configs set it on every accepted socket
                // already (epoll and NIO), and asking again was one more setsockopt per connection.
                .childHandler(new ViewerPipeline(channels, connectionHandler, generation, bindings, handshakeExecutor,
                        RESPONDER_WAITS, handshakeTimeout, observer, http, perAddress, established));
    }

    /**
     * Builds everything the config describes and starts listening; refuses with every problem found.
     *
     * @param stores the node's live KeyValueStores, which every generation's functions read
     */
    public static EdgeServer start(EdgeConfig config, ConnectionObserver observer, KeyValueStores stores,
                                   OcspObserver ocspObserver) throws StartupException {
        EngineBindings bindings = new EngineBindings();
        SessionTickets tickets = new SessionTickets();
        int cores = Runtime.getRuntime().availableProcessors();
        int handshakeThreads = config.server().handshakeThreads() > 0 ? config.server().handshakeThreads() : cores;
        ThreadPoolExecutor handshakeExecutor = new ThreadPoolExecutor(handshakeThreads, handshakeThreads, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(HANDSHAKE_QUEUE), new DefaultThreadFactory("portcullis-handshake", true));
        OcspClient ocsp = new OcspClient(Clock.systemUTC(), ocspObserver);
        Generation first;
        try {
            first = new GenerationBuilder(bindings, stores, ocsp, handshakeExecutor, Clock.systemUTC())
                    .withSessionTickets(tickets).build(config, 1);
        } catch (StartupException | RuntimeException e) {
            handshakeExecutor.shutdownNow();
            ocsp.close();
            throw e;
        }
        EdgeServer server = new EdgeServer(config, first, bindings, observer, stores, handshakeExecutor, ocsp, tickets);
        try {
            server.bind();
        } catch (StartupException | RuntimeException e) {
            first.close();
            throw e;
        }
        LOG.info("listening on {} ({} transport, chain signatures: {}), distributions {}", server.address(),
                Transports.epoll() ? "epoll" : "nio", NativeCrypto.install(),
                first.distributions().all().stream().map(EdgeDistribution::id).toList());
        return server;
    }

    private void bind() throws StartupException {
        scheduleRevocationTicks();
        try {
            this.listener = bootstrap.bind(config.server().listen()).sync().channel();
        } catch (Exception e) {
            shutdownThreads();
            throw new StartupException("server.listen: cannot listen on " + config.server().listen() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds a generation from {@code next} and makes it the one new connections get; open
     * connections keep theirs until they end. On any problem nothing changes and the problems are
     * thrown (never fail open: the node keeps serving what it had). The server section (listener,
     * threads, limits) is fixed for the process: a change there is refused.
     */
    public Generation replace(EdgeConfig next) throws StartupException {
        if (!next.server().equals(config.server())) {
            throw new StartupException("server: changes to the server section take effect only on a restart");
        }
        Generation built = new GenerationBuilder(bindings, stores, ocsp, handshakeExecutor, Clock.systemUTC())
                .withSessionTickets(tickets).after(generation.get()).build(next, generation.get().number() + 1);
        generation.replace(built);
        LOG.info("generation {} serves new connections, distributions {}", built.number(),
                built.distributions().all().stream().map(EdgeDistribution::id).toList());
        recheck.generationReplaced();
        return built;
    }

    /** One tick for what ages: CRLs about to expire are announced, open connections checked again. */
    private void scheduleRevocationTicks() {
        CrlExpiry crlExpiry = new CrlExpiry(() -> generation.get().revocation());
        revocationTicks.scheduleWithFixedDelay(() -> {
            crlExpiry.check();
            if (generation.get().revocation().values().stream().anyMatch(RevocationChecker::active)) {
                recheck.revocationDue();
            }
        }, revocationRecheckMillis, revocationRecheckMillis, TimeUnit.MILLISECONDS);
        long rotation = SessionTickets.ROTATION.toMillis();
        revocationTicks.scheduleAtFixedRate(tickets::rotate, rotation, rotation, TimeUnit.MILLISECONDS);
    }

    /** Re-checks established connections; a KeyValueStore write tells it which store changed. */
    public ConnectionRecheck recheck() {
        return recheck;
    }

    public int establishedConnections() {
        return established.size();
    }

    /** What new connections get now. */
    public Generation generation() {
        return generation.get();
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

    /**
     * Stops accepting, lets in-flight exchanges finish for at most {@code drain} (HTTP/1.1 responses
     * now carry Connection: close), then closes every connection, the generations (origin pools,
     * functions) and the threads.
     */
    public void shutdown(Duration drain) {
        if (services.draining().getAndSet(true)) {
            return; // once: a second release would close a generation connections still use
        }
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
        // Closing a connection unpins its generation; with the current one released too, the last
        // close runs the generation's own close (origin pools on their loops) before the loops stop.
        channels.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        generation.release();
        recheck.close();
        shutdownThreads();
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
        revocationTicks.shutdownNow();
        ocsp.close();
    }

}
