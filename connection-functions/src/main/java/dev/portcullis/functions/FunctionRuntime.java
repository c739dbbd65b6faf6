package dev.portcullis.functions;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.Source;

/**
 * The process-wide part of connection functions: one GraalJS {@link Engine} (so every function's code
 * is parsed once and its ASTs are shared by all its contexts) and the watchdog thread that cuts off
 * invocations that run past their timeout. Close it after the functions compiled from it.
 */
public final class FunctionRuntime implements AutoCloseable {
    /** How many contexts a function keeps idle for reuse; more are made on demand and closed on release. */
    static final int DEFAULT_IDLE_CONTEXTS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    /** ES module when a line starts with a static import or an export (a dynamic import( is fine in a script). */
    private static final Pattern MODULE_SYNTAX = Pattern.compile("(?m)^[ \\t]*(?:import[ \\t]*[\\w*{'\"$]|export\\b)");

    /**
     * Appended after the function's own code (on a new line, so its line numbers stay right): a module's
     * top-level function is not a global, so this line hands it to the bootstrap's seal().
     */
    private static String handoff(GuestProtocol.EventKind kind) {
        return "\n;globalThis.__portcullis_handler = typeof " + kind.handlerName() + " === 'function' ? "
                + kind.handlerName() + " : undefined;\n";
    }

    static final Source BOOTSTRAP = Source.newBuilder("js", KnownHeaderNames.into(resource("bootstrap.js")),
                    "portcullis-bootstrap.js")
            .internal(true).cached(true).buildLiteral();

    static final String CLOUDFRONT_MODULE = """
            const cf = globalThis.__portcullis_cloudfront;
            if (cf === undefined) {
                throw new Error("import 'cloudfront' with a static import at the top of the function");
            }
            export default cf;
            export { cf };
            """;

    private final Engine engine;
    private final GuestWatchdog watchdog;
    private final java.util.concurrent.ExecutorService cancellations = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "portcullis-function-cancel");
        t.setDaemon(true);
        return t;
    });
    private final boolean captureConsole;

    private FunctionRuntime(Engine engine, GuestWatchdog watchdog, boolean captureConsole) {
        this.engine = engine;
        this.watchdog = watchdog;
        this.captureConsole = captureConsole;
    }

    /** A runtime whose functions hand their console output to the caller (as {@code function test} prints it). */
    public static FunctionRuntime create() {
        return create(true);
    }

    /**
     * @param captureConsole whether functions collect their {@code console.*} lines; a node that does not
     *                       log them (debug off) saves building and reading them on every handshake
     */
    public static FunctionRuntime create(boolean captureConsole) {
        Engine engine = Engine.newBuilder("js")
                .option("engine.WarnInterpreterOnly", "false")
                .allowExperimentalOptions(true)
                // No builtins that print, load code or files, reach Java or other languages.
                .option("js.console", "false")
                .option("js.print", "false")
                .option("js.load", "false")
                .option("js.graal-builtin", "false")
                .option("js.polyglot-builtin", "false")
                .option("js.java-package-globals", "false")
                // CloudFront functions cannot generate code from strings (eval, new Function).
                .option("js.disable-eval", "true")
                // Intl would load ICU data per context for nothing a handshake decision needs.
                .option("js.intl-402", "false")
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .in(InputStream.nullInputStream())
                .build();
        return new FunctionRuntime(engine, new GuestWatchdog("portcullis-function-watchdog"), captureConsole);
    }

    /**
     * Compiles the function in {@code codeFile}: reads it (UTF-8, at most 10 KB), parses it, runs its
     * top-level code in a first context and checks it defines {@code connectionHandler}.
     *
     * @param name              the function's name, used in logs and error messages
     * @param keyValueStoreName the store {@code cf.kvs()} opens, looked up in {@code stores} per invocation
     * @throws FunctionCompileException naming the file and line
     */
    public ConnectionFunction compile(String name, Path codeFile, Optional<String> keyValueStoreName,
                                      FunctionLimits limits, KeyValueStores stores) throws FunctionCompileException {
        return compile(name, codeFile, keyValueStoreName, limits, stores, false);
    }

    ConnectionFunction compile(String name, Path codeFile, Optional<String> keyValueStoreName, FunctionLimits limits,
                               KeyValueStores stores, boolean ownedByFunction) throws FunctionCompileException {
        return ConnectionFunction.start(pool(GuestProtocol.EventKind.CONNECTION, name, codeFile, keyValueStoreName, limits,
                stores, ownedByFunction));
    }

    /**
     * Compiles a viewer function (a CloudFront Function, run on viewer-request or viewer-response
     * events) from {@code codeFile}: as {@link #compile}, but its code declares {@code handler(event)}.
     */
    public ViewerFunction compileViewer(String name, Path codeFile, Optional<String> keyValueStoreName,
                                        FunctionLimits limits, KeyValueStores stores) throws FunctionCompileException {
        return compileViewer(name, codeFile, keyValueStoreName, limits, stores, false);
    }

    ViewerFunction compileViewer(String name, Path codeFile, Optional<String> keyValueStoreName, FunctionLimits limits,
                                 KeyValueStores stores, boolean ownedByFunction) throws FunctionCompileException {
        return ViewerFunction.start(pool(GuestProtocol.EventKind.VIEWER, name, codeFile, keyValueStoreName, limits,
                stores, ownedByFunction));
    }

    private GuestPool pool(GuestProtocol.EventKind kind, String name, Path codeFile, Optional<String> keyValueStoreName,
                           FunctionLimits limits, KeyValueStores stores, boolean ownedByFunction)
            throws FunctionCompileException {
        if (!GuestWatchdog.boundsMemory()) {
            // Never fail open: without the JVM's per-thread allocation counter maxMemory would silently
            // bound nothing, and one function could take the node's heap (issue 18).
            throw new FunctionCompileException(codeFile.toString(), 0, "this JVM does not count the bytes each thread"
                    + " allocates (com.sun.management.ThreadMXBean), so maxMemory cannot be enforced; run on HotSpot");
        }
        String fileName = codeFile.getFileName().toString();
        String code = readCode(codeFile);
        if (keyValueStoreName.isPresent() && stores.get(keyValueStoreName.get()).isEmpty()) {
            throw new FunctionCompileException(codeFile.toString(), 0,
                    "associated KeyValueStore " + keyValueStoreName.get() + " is not loaded");
        }
        boolean module = MODULE_SYNTAX.matcher(code).find();
        Source source = Source.newBuilder("js", code + handoff(kind), fileName)
                .mimeType(module ? "application/javascript+module" : "application/javascript")
                .cached(true)
                .buildLiteral();
        return new GuestPool(this, ownedByFunction, kind, name, codeFile.toString(), fileName, source, module,
                keyValueStoreName, limits, stores);
    }

    /** One compile step on a given runtime. */
    interface Compilation<F> {
        F on(FunctionRuntime runtime) throws FunctionCompileException;
    }

    /**
     * Compiles on a runtime of its own, which the function closes with itself (for one-off use such as
     * {@code portcullis function test}; a server shares one runtime instead); closed here if it fails.
     */
    static <F> F alone(Compilation<F> compilation) throws FunctionCompileException {
        FunctionRuntime runtime = create();
        try {
            return compilation.on(runtime);
        } catch (FunctionCompileException | RuntimeException e) {
            runtime.close();
            throw e;
        }
    }

    /**
     * Whether Truffle found an optimizing runtime (a JDK with JVMCI and the Graal compiler on the upgrade
     * module path), so that hot guest code is compiled; otherwise every call is interpreted.
     */
    public boolean compilesToMachineCode() {
        return !"Interpreted".equals(engine.getImplementationName());
    }

    Engine engine() {
        return engine;
    }

    boolean capturesConsole() {
        return captureConsole;
    }

    GuestWatchdog watchdog() {
        return watchdog;
    }

    /**
     * Runs a cancellation (closing a context that went over its limits) off the watchdog's thread.
     * Closing waits until the guest reaches a safepoint, and host code such as TRegex compiling a
     * pattern has none for as long as it runs: on the watchdog's thread one such close stopped every
     * other function's limits from being enforced. Threads are made as needed (at most one per
     * invocation running at once, so bounded by the handshake threads) and end when idle.
     */
    void cancel(Runnable closeContext) {
        cancellations.execute(closeContext);
    }

    @Override
    public void close() {
        watchdog.close();
        cancellations.shutdown();
        engine.close(true);
    }

    private static String readCode(Path codeFile) throws FunctionCompileException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(codeFile);
        } catch (NoSuchFileException e) {
            throw new FunctionCompileException(codeFile.toString(), 0, "no such file");
        } catch (IOException e) {
            throw new FunctionCompileException(codeFile.toString(), 0, "cannot read: " + e.getMessage());
        }
        if (bytes.length > FunctionLimits.MAX_CODE_BYTES) {
            throw new FunctionCompileException(codeFile.toString(), 0, "code is " + bytes.length
                    + " bytes, CloudFront allows at most " + FunctionLimits.MAX_CODE_BYTES);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new FunctionCompileException(codeFile.toString(), 0, "not valid UTF-8");
        }
    }

    private static String resource(String name) {
        try (InputStream in = FunctionRuntime.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
