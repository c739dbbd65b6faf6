package dev.portcullis.proxy.tls;

import dev.portcullis.config.Distribution;
import dev.portcullis.config.EdgeConfig;
import dev.portcullis.config.Origin;
import dev.portcullis.config.TrustStoreConfig;
import dev.portcullis.functions.KeyValueStores;
import dev.portcullis.proxy.StartupException;
import dev.portcullis.proxy.functions.ConnectionFunctions;
import dev.portcullis.proxy.functions.FunctionGate;
import dev.portcullis.proxy.origin.OriginPool;
import dev.portcullis.proxy.origin.OriginPools;
import dev.portcullis.truststore.TrustStore;
import dev.portcullis.truststore.TrustStoreException;
import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.time.Clock;
import java.util.concurrent.Executor;
import dev.portcullis.revocation.OcspClient;
import dev.portcullis.revocation.RevocationChecker;
import dev.portcullis.revocation.RevocationConfigException;
import dev.portcullis.revocation.CrlExpiry;

/**
 * Builds a {@link Generation} from a config: loads every trust store (with its CRLs) and KeyValueStore, compiles
 * every function, builds every distribution's TLS context and origin clients, binds nothing. All
 * problems are collected and reported together; on any, nothing is kept ({@code portcullis validate}
 * runs exactly this).
 */
public final class GenerationBuilder {
    private final EngineBindings bindings;
    /** The node's live stores, or null to import every store from its file (validate). */
    private final KeyValueStores stores;
    private final OcspClient ocsp;
    private final Executor functionThreads;
    private final Clock clock;
    /** The serving generation's checkers, whose CRLs a new one may not roll back; empty at start. */
    private Map<String, RevocationChecker> serving = Map.of();
    private OriginPools originPools = OriginPools.CONNECTING;
    private SessionTickets tickets = new SessionTickets();

    /** Imports each KeyValueStore from its file and asks no responder ({@code portcullis validate}). */
    public GenerationBuilder(EngineBindings bindings) {
        this(bindings, null, null, Runnable::run, Clock.systemUTC());
    }

    /**
     * @param bindings        the server's engine-to-connection map, which the trust managers read
     * @param stores          the node's live KeyValueStores, shared by every generation
     * @param ocsp            the node's OCSP client (and cache), shared by every generation; null only
     *                        when nothing will run (validate)
     * @param functionThreads where functions run after a check waited for a responder
     */
    public GenerationBuilder(EngineBindings bindings, KeyValueStores stores, OcspClient ocsp, Executor functionThreads,
                             Clock clock) {
        this.bindings = bindings;
        this.stores = stores;
        this.ocsp = ocsp;
        this.functionThreads = functionThreads;
        this.clock = clock;
    }

    /** Where each origin's pool comes from; {@link OriginPools#CONNECTING} unless told otherwise. */
    public GenerationBuilder withOriginPools(OriginPools pools) {
        this.originPools = pools;
        return this;
    }

    /** The node's ticket keys, shared by every generation (a reload keeps the tickets out there valid). */
    public GenerationBuilder withSessionTickets(SessionTickets nodeTickets) {
        this.tickets = nodeTickets;
        return this;
    }

    /** Builds the successor of {@code current}: its CRLs may be replaced by newer ones only. */
    public GenerationBuilder after(Generation current) {
        this.serving = current.revocation();
        return this;
    }

    public Generation build(EdgeConfig config, long number) throws StartupException {
        NativeCrypto.install();
        List<String> problems = new ArrayList<>();
        ConnectionFunctions functions = ConnectionFunctions.load(config,
                stores != null ? stores : ConnectionFunctions.importStores(config, problems), problems);
        Map<String, TrustStore> trustStores = trustStores(config, problems);
        TrustStoreVerifiers verifiers = new TrustStoreVerifiers(trustStores, revocation(config, trustStores, problems));
        List<EdgeDistribution> built = new ArrayList<>();
        for (Distribution d : config.distributions()) {
            try {
                Optional<FunctionGate> gate = d.connectionFunctionId().flatMap(functions::get).map(FunctionGate::new);
                if (d.connectionFunctionId().isPresent() && gate.isEmpty()) {
                    continue; // its compile error is already reported; never serve the distribution without it
                }
                Optional<List<EdgeBehavior>> behaviors = behaviors(d, functions);
                if (behaviors.isEmpty()) {
                    continue; // a viewer function did not compile (reported): never serve its paths without it
                }
                ViewerTlsContexts.ViewerTls tls = ViewerTlsContexts.build(d, verifiers, bindings, gate, functionThreads, tickets);
                Map<String, OriginPool> origins = originPools(d);
                List<EdgeBehavior> edge = behaviors.get().stream().map(b -> new EdgeBehavior(b.config(),
                        origins.get(b.config().targetOriginId()), b.viewerRequest(), b.viewerResponse())).toList();
                built.add(new EdgeDistribution(d, tls.context(), origins, gate, tls.authenticator(),
                        edge.subList(0, edge.size() - 1), edge.get(edge.size() - 1)));
            } catch (StartupException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            built.forEach(d -> d.origins().values().forEach(OriginPool::closeAll));
            functions.close();
            throw new StartupException(String.join("\n", problems));
        }
        return new Generation(number, config, new EdgeDistributions(built), functions, verifiers.allRevocation());
    }

    /**
     * The distribution's cache behaviors, then its default one, with their viewer functions (origins
     * are filled in by the caller); empty when a function they associate did not compile.
     */
    private static Optional<List<EdgeBehavior>> behaviors(Distribution d, ConnectionFunctions functions) {
        List<EdgeBehavior> out = new ArrayList<>();
        List<dev.portcullis.config.CacheBehavior> all = new ArrayList<>(d.cacheBehaviors());
        all.add(d.defaultCacheBehavior());
        for (dev.portcullis.config.CacheBehavior b : all) {
            var associations = b.functionAssociations();
            var request = associations.viewerRequest().map(functions::viewer);
            var response = associations.viewerResponse().map(functions::viewer);
            if (request.isPresent() && request.get().isEmpty() || response.isPresent() && response.get().isEmpty()) {
                return Optional.empty();
            }
            out.add(new EdgeBehavior(b, null, request.flatMap(f -> f).orElse(null), response.flatMap(f -> f).orElse(null)));
        }
        return Optional.of(out);
    }

    /** Each store's CRLs, loaded and verified; a problem names the store, the key and the file. */
    private Map<String, RevocationChecker> revocation(EdgeConfig config, Map<String, TrustStore> loaded,
                                                      List<String> problems) {
        Map<String, RevocationChecker> checkers = new LinkedHashMap<>();
        OcspClient client = ocsp != null ? ocsp : OFFLINE.get();
        for (int i = 0; i < config.trustStores().size(); i++) {
            TrustStoreConfig ts = config.trustStores().get(i);
            TrustStore store = loaded.get(ts.id());
            if (store == null) {
                continue;
            }
            try {
                RevocationChecker checker = RevocationChecker.load(ts, store, client, clock);
                RevocationChecker before = serving.get(ts.id());
                java.util.Optional<String> rollback = before == null ? java.util.Optional.empty()
                        : checker.crls().rollbackFrom(before.crls());
                if (rollback.isPresent()) {
                    problems.add("trustStores[" + i + "] (" + ts.id() + ").crls: " + rollback.get());
                    continue;
                }
                checkers.put(ts.id(), checker);
                CrlExpiry.warnAtLoad(ts.id(), checker.crls(), clock.instant());
            } catch (RevocationConfigException e) {
                problems.add("trustStores[" + i + "] (" + ts.id() + ").crls: " + e.getMessage());
            }
        }
        return checkers;
    }

    /** validate builds OCSP checkers too, but never asks: one idle client for all of them. */
    private static final java.util.function.Supplier<OcspClient> OFFLINE = new java.util.function.Supplier<>() {
        private OcspClient client;

        @Override
        public synchronized OcspClient get() {
            if (client == null) {
                client = new OcspClient(Clock.systemUTC(), dev.portcullis.revocation.OcspObserver.NONE);
            }
            return client;
        }
    };

    private static Map<String, TrustStore> trustStores(EdgeConfig config, List<String> problems) {
        Map<String, TrustStore> stores = new LinkedHashMap<>();
        for (int i = 0; i < config.trustStores().size(); i++) {
            TrustStoreConfig ts = config.trustStores().get(i);
            try {
                stores.put(ts.id(), TrustStore.load(ts.id(), ts.caCertificatesBundle()));
            } catch (TrustStoreException e) {
                problems.add("trustStores[" + i + "] (" + ts.id() + ").caCertificatesBundle: " + e.getMessage());
            }
        }
        return stores;
    }

    private Map<String, OriginPool> originPools(Distribution d) throws StartupException {
        Map<String, OriginPool> origins = new LinkedHashMap<>();
        for (Origin origin : d.origins()) {
            origins.put(origin.id(), originPools.open(d, origin));
        }
        return origins;
    }
}
