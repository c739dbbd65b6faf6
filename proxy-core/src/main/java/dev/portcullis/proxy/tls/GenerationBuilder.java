package dev.portcullis.proxy.tls;

import dev.portcullis.config.Distribution;
import dev.portcullis.config.EdgeConfig;
import dev.portcullis.config.Origin;
import dev.portcullis.config.OriginProtocol;
import dev.portcullis.config.TrustStoreConfig;
import dev.portcullis.functions.KeyValueStores;
import dev.portcullis.proxy.StartupException;
import dev.portcullis.proxy.functions.ConnectionFunctions;
import dev.portcullis.proxy.functions.FunctionGate;
import dev.portcullis.proxy.origin.OriginClient;
import dev.portcullis.proxy.origin.OriginTls;
import dev.portcullis.truststore.TrustStore;
import dev.portcullis.truststore.TrustStoreException;
import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a {@link Generation} from a config: loads every trust store and KeyValueStore, compiles
 * every function, builds every distribution's TLS context and origin clients, binds nothing. All
 * problems are collected and reported together; on any, nothing is kept ({@code portcullis validate}
 * runs exactly this).
 */
public final class GenerationBuilder {
    private final EngineBindings bindings;
    /** The node's live stores, or null to import every store from its file (validate). */
    private final KeyValueStores stores;

    /** Imports each KeyValueStore from its file ({@code portcullis validate}). */
    public GenerationBuilder(EngineBindings bindings) {
        this(bindings, null);
    }

    /**
     * @param bindings the server's engine-to-connection map, which the trust managers read
     * @param stores   the node's live KeyValueStores, shared by every generation
     */
    public GenerationBuilder(EngineBindings bindings, KeyValueStores stores) {
        this.bindings = bindings;
        this.stores = stores;
    }

    public Generation build(EdgeConfig config, long number) throws StartupException {
        NativeCrypto.install();
        List<String> problems = new ArrayList<>();
        ConnectionFunctions functions = ConnectionFunctions.load(config,
                stores != null ? stores : ConnectionFunctions.importStores(config, problems), problems);
        TrustStoreVerifiers verifiers = new TrustStoreVerifiers(trustStores(config, problems));
        List<EdgeDistribution> built = new ArrayList<>();
        for (Distribution d : config.distributions()) {
            try {
                Optional<FunctionGate> gate = d.connectionFunctionId().flatMap(functions::get).map(FunctionGate::new);
                if (d.connectionFunctionId().isPresent() && gate.isEmpty()) {
                    continue; // its compile error is already reported; never serve the distribution without it
                }
                ViewerTlsContexts.ViewerTls tls = ViewerTlsContexts.build(d, verifiers, bindings, gate);
                built.add(new EdgeDistribution(d, tls.context(), originClients(d), gate, tls.authenticator()));
            } catch (StartupException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            built.forEach(d -> d.origins().values().forEach(OriginClient::closeAll));
            functions.close();
            throw new StartupException(String.join("\n", problems));
        }
        return new Generation(number, config, new EdgeDistributions(built), functions);
    }

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

    private static Map<String, OriginClient> originClients(Distribution d) throws StartupException {
        Map<String, OriginClient> origins = new LinkedHashMap<>();
        for (Origin origin : d.origins()) {
            SslContext originTls = origin.protocol() == OriginProtocol.HTTPS
                    ? OriginTls.forOrigin(origin, "distribution " + d.id() + ": origin " + origin.id()) : null;
            origins.put(origin.id(), new OriginClient(origin, originTls));
        }
        return origins;
    }
}
