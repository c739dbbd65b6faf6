package dev.portcullis.proxy.functions;

import dev.portcullis.config.ConnectionFunctionConfig;
import dev.portcullis.config.EdgeConfig;
import dev.portcullis.config.KeyValueStoreConfig;
import dev.portcullis.config.FunctionConfig;
import dev.portcullis.functions.ConnectionFunction;
import dev.portcullis.functions.ViewerFunction;
import dev.portcullis.functions.FunctionCompileException;
import dev.portcullis.functions.FunctionLimits;
import dev.portcullis.functions.FunctionRuntime;
import dev.portcullis.functions.KeyValueStore;
import dev.portcullis.functions.KeyValueStoreException;
import dev.portcullis.functions.KeyValueStores;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * The config's KeyValueStores, connection functions and viewer functions ({@code functions}), loaded and compiled once at startup on one
 * shared GraalJS engine. Empty (and no engine started) when the config has no functions.
 */
public final class ConnectionFunctions implements AutoCloseable {
    private final FunctionRuntime runtime;
    private final KeyValueStores stores;
    private final Map<String, ConnectionFunction> functions;
    private final Map<String, ViewerFunction> viewerFunctions;

    private ConnectionFunctions(FunctionRuntime runtime, KeyValueStores stores, Map<String, ConnectionFunction> functions,
                                Map<String, ViewerFunction> viewerFunctions) {
        this.runtime = runtime;
        this.stores = stores;
        this.functions = functions;
        this.viewerFunctions = viewerFunctions;
    }

    /**
     * Reads every store from its import file, as {@code portcullis validate} and the function test
     * command need (a running node reads them from its database instead); problems name the config key.
     */
    public static KeyValueStores importStores(EdgeConfig config, List<String> problems) {
        List<KeyValueStore> loaded = new ArrayList<>();
        for (int i = 0; i < config.keyValueStores().size(); i++) {
            KeyValueStoreConfig store = config.keyValueStores().get(i);
            try {
                loaded.add(KeyValueStore.importFrom(store.name(), store.importSource()));
            } catch (KeyValueStoreException e) {
                problems.add("keyValueStores[" + i + "] (" + store.name() + ").importSource: " + e.getMessage());
            }
        }
        return KeyValueStores.of(loaded.toArray(KeyValueStore[]::new));
    }

    /**
     * Compiles every function against {@code stores} (the node's live stores, which writes swap
     * under them); problems are added to {@code problems} with their config key.
     */
    public static ConnectionFunctions load(EdgeConfig config, KeyValueStores stores, List<String> problems) {
        if (config.connectionFunctions().isEmpty() && config.functions().isEmpty()) {
            return new ConnectionFunctions(null, stores, Map.of(), Map.of());
        }
        // console.* lines go to the log at debug only: when that is off at startup, functions skip collecting them.
        FunctionRuntime runtime = FunctionRuntime.create(
                LoggerFactory.getLogger(ConnectionFunction.class).isDebugEnabled());
        Map<String, ConnectionFunction> functions = new LinkedHashMap<>();
        for (int i = 0; i < config.connectionFunctions().size(); i++) {
            ConnectionFunctionConfig f = config.connectionFunctions().get(i);
            try {
                functions.put(f.name(), runtime.compile(f.name(), f.code(), f.keyValueStoreAssociations().stream().findFirst(),
                        new FunctionLimits(f.timeout(), f.maxMemoryBytes()), stores));
            } catch (FunctionCompileException e) {
                problems.add("connectionFunctions[" + i + "] (" + f.name() + ").code: " + e.getMessage());
            }
        }
        Map<String, ViewerFunction> viewerFunctions = new LinkedHashMap<>();
        for (int i = 0; i < config.functions().size(); i++) {
            FunctionConfig f = config.functions().get(i);
            try {
                viewerFunctions.put(f.name(), runtime.compileViewer(f.name(), f.code(),
                        f.keyValueStoreAssociations().stream().findFirst(),
                        new FunctionLimits(f.timeout(), f.maxMemoryBytes()), stores));
            } catch (FunctionCompileException e) {
                problems.add("functions[" + i + "] (" + f.name() + ").code: " + e.getMessage());
            }
        }
        // Says whether guest code gets compiled: bin/jvm-opts.sh sets that up, a hand-made command line may
        // not, and it leaves the compiler out for a node whose config had no functions when it started.
        org.slf4j.Logger log = LoggerFactory.getLogger(ConnectionFunctions.class);
        if (runtime.compilesToMachineCode() || functions.isEmpty() && viewerFunctions.isEmpty()) {
            log.info("connection functions: {} loaded, functions: {} loaded; GraalJS {}", functions.size(),
                    viewerFunctions.size(), runtime.compilesToMachineCode() ? "compiles them to machine code (Graal JIT)"
                            : "interprets them (no Graal JIT on this JVM)");
        } else {
            log.warn("connection functions: {} loaded, functions: {} loaded; GraalJS interprets them, about 10x slower per"
                    + " call: this JVM has no Graal JIT (bin/portcullis leaves it out for a node whose config had no"
                    + " functions when it started, and on JDKs without JVMCI); restart the node to compile them, or"
                    + " start it with PORTCULLIS_JS_JIT=on", functions.size(), viewerFunctions.size());
        }
        return new ConnectionFunctions(runtime, stores, functions, viewerFunctions);
    }

    public Optional<ConnectionFunction> get(String name) {
        return Optional.ofNullable(functions.get(name));
    }

    /** A viewer function from {@code functions}, if it compiled. */
    public Optional<ViewerFunction> viewer(String name) {
        return Optional.ofNullable(viewerFunctions.get(name));
    }

    public KeyValueStores stores() {
        return stores;
    }

    @Override
    public void close() {
        functions.values().forEach(ConnectionFunction::close);
        viewerFunctions.values().forEach(ViewerFunction::close);
        if (runtime != null) {
            runtime.close();
        }
    }
}
