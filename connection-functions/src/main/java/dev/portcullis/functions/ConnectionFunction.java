package dev.portcullis.functions;

import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.CertificateRevocation;
import dev.portcullis.truststore.RevocationStatus;
import dev.portcullis.truststore.Iso;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.ResourceLimits;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.SourceSection;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;
import org.graalvm.polyglot.proxy.ProxyExecutable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compiled connection function: its parsed code plus a pool of GraalJS contexts that run it, one
 * invocation per context at a time. {@link #invoke} is blocking and thread-safe; call it from the
 * handshake executor, never from an event loop.
 *
 * <p>Sandbox: no host access, class lookup, native access, threads, processes, environment, polyglot
 * access or {@code eval}; the only file system is a virtual one serving the {@code cloudfront} module.
 *
 * <p>Bounded: run time (a watchdog closes the context when the timeout of guest CPU time passes: ERROR "timeout", the
 * context is replaced), memory (the bytes an invocation's thread allocates, host and guest, may not exceed
 * {@code maxMemoryBytes}: ERROR "memory limit exceeded", the context is replaced; community GraalJS has no
 * per-context heap cap, see {@link GuestWatchdog}), what a context keeps between invocations (it is retired
 * once its invocations allocated {@value #CONTEXT_ALLOCATION_FACTOR} times the limit in all), statements per
 * invocation ({@value #STATEMENT_LIMIT}, which also bounds loops that grow arrays and objects), string length
 * ({@code maxMemoryBytes / 2} chars), typed array length ({@code maxMemoryBytes}), console lines (100 of at
 * most 4096 chars), code size (10 KB).
 *
 * <p>Globals persist between invocations on the same context, as in CloudFront, where a function's
 * instance may be reused: a counter in a global reads 1, 2, 3 on one context. Nothing may rely on it, since
 * contexts are pooled, replaced after a fault and retired after their allocation budget.
 */
public final class ConnectionFunction implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionFunction.class);

    /** Statements one invocation may execute: a backstop far beyond what 5 ms allow in the interpreter. */
    static final long STATEMENT_LIMIT = 5_000_000;
    /** CloudFront keeps at most 800 bytes of custom data. */
    static final int MAX_CUSTOM_DATA_BYTES = 800;
    /** Top-level code runs when a context is made, without a watchdog; the statement limit bounds it. */
    private static final ResourceLimits LIMITS = ResourceLimits.newBuilder()
            .statementLimit(STATEMENT_LIMIT, null)
            .build();

    private static final int WARM_UP_RUNS = 100;
    private static final Duration WARM_UP_BUDGET = Duration.ofMillis(500);
    /**
     * The first call in a fresh engine allocates some 8 MB (builtins, regex engine, promise jobs: once
     * per engine), the second about 0.6 MB, later ones about 30 KB for the blog's function. Warm-up
     * allows for the first; a function that allocates without bound is still cut off at startup.
     */
    private static final long WARM_UP_MEMORY = 64L * 1024 * 1024;
    private static final ConnectionInput WARM_UP_WITH_CERTIFICATE = WarmUp.withCertificate();
    private static final ConnectionInput WARM_UP_WITHOUT_CERTIFICATE = WarmUp.withoutCertificate();

    private static final int RUNNING = 0;
    private static final int FINISHED = 1;
    private static final int TIMED_OUT = 2;
    private static final int OVER_MEMORY = 3;
    /**
     * A context is retired once the invocations on it have allocated this many times the memory
     * limit in all: what globals keep between invocations cannot grow without bound either.
     */
    static final int CONTEXT_ALLOCATION_FACTOR = 32;

    private final FunctionRuntime runtime;
    private final boolean ownsRuntime;
    private final String name;
    private final String codeFile;
    private final String fileName;
    private final Source source;
    private final boolean module;
    private final Optional<String> keyValueStoreName;
    private final FunctionLimits limits;
    private final KeyValueStores stores;
    private final ModuleFileSystem fileSystem;
    private final Pattern userFrame;
    private final LinkedBlockingDeque<Slot> idle = new LinkedBlockingDeque<>(FunctionRuntime.DEFAULT_IDLE_CONTEXTS);
    private volatile boolean closed;
    /** Whether start-up calls still get {@link #START_GRACE}; cleared for good by the first grace call that times out. */
    private volatile boolean firstCallGrace = true;
    /** Invocations after compiling (and the first on each new context) may take this long; never less than the timeout. */
    private static final Duration START_GRACE = Duration.ofMillis(50);
    /** How many invocations after compiling get the grace. */
    private static final int START_GRACE_CALLS = 256;
    private final java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();

    private ConnectionFunction(FunctionRuntime runtime, boolean ownsRuntime, String name, String codeFile,
                               String fileName, Source source, boolean module, Optional<String> keyValueStoreName,
                               FunctionLimits limits, KeyValueStores stores) {
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.name = name;
        this.codeFile = codeFile;
        this.fileName = fileName;
        this.source = source;
        this.module = module;
        this.keyValueStoreName = keyValueStoreName;
        this.limits = limits;
        this.stores = stores;
        this.fileSystem = ModuleFileSystem.serving(Map.of("cloudfront", FunctionRuntime.CLOUDFRONT_MODULE));
        this.userFrame = Pattern.compile(Pattern.quote(fileName) + ":(\\d+)");
    }

    /**
     * Compiles a function on a runtime of its own, closed with the function (for one-off use such as
     * {@code portcullis function test}; a server shares one {@link FunctionRuntime} instead).
     */
    public static ConnectionFunction compile(String name, Path codeFile, Optional<String> keyValueStoreName,
                                             FunctionLimits limits, KeyValueStores stores) throws FunctionCompileException {
        FunctionRuntime runtime = FunctionRuntime.create();
        try {
            return runtime.compile(name, codeFile, keyValueStoreName, limits, stores, true);
        } catch (FunctionCompileException | RuntimeException e) {
            runtime.close();
            throw e;
        }
    }

    static ConnectionFunction start(FunctionRuntime runtime, boolean ownsRuntime, String name, String codeFile, String fileName,
                                    Source source, boolean module, Optional<String> keyValueStoreName,
                                    FunctionLimits limits, KeyValueStores stores) throws FunctionCompileException {
        ConnectionFunction function = new ConnectionFunction(runtime, ownsRuntime, name, codeFile, fileName, source, module,
                keyValueStoreName, limits, stores);
        // The first context runs the top-level code now, so every problem with it surfaces at compile time.
        Slot first;
        try {
            first = function.newSlot();
        } catch (MissingHandler e) {
            throw new FunctionCompileException(codeFile, 0,
                    "no function connectionHandler: declare function connectionHandler(connection)");
        } catch (PolyglotException e) {
            throw function.compileFailure(e);
        }
        function.release(first);
        function.warmUp();
        if (function.idle.isEmpty()) {
            // the warm-up's context was cut off: start the pool with a fresh one
            try {
                function.release(function.newSlot());
            } catch (RuntimeException e) {
                LOG.debug("function {}: no context after warm-up: {}", name, e.toString());
            }
        }
        return function;
    }

    public String name() {
        return name;
    }

    /** Whether the code was run as an ES module (it has a static import or an export). */
    public boolean isModule() {
        return module;
    }

    public Optional<String> keyValueStoreName() {
        return keyValueStoreName;
    }

    public FunctionLimits limits() {
        return limits;
    }

    /**
     * Runs the handler for one connection and waits for its decision. Never throws for anything the
     * function does: faults come back as {@link ConnectionDecision.Outcome#ERROR}.
     */
    public ConnectionDecision invoke(ConnectionInput input) {
        if (closed) {
            return ConnectionDecision.error("function " + name + " is closed", "", List.of(), Duration.ZERO);
        }
        Slot slot;
        try {
            slot = acquire();
        } catch (RuntimeException e) {
            LOG.warn("connection function {}: cannot make a context: {}", name, e.toString());
            return ConnectionDecision.error("internal: cannot make a context: " + oneLine(e.getMessage()),
                    "", List.of(), Duration.ZERO);
        }
        // A freshly compiled function runs interpreted while Graal compiles it in the background: on a
        // fresh node its first invocations took 4-35 ms (measured), far past CloudFront's 5 ms, and each
        // timeout discards its context and starts colder. So the first START_GRACE_CALLS invocations,
        // and a fresh context's first call, get START_GRACE, until one of them runs out even of that:
        // then the function gets no grace again (a runaway function burns at most one grace per
        // thread, not one per handshake).
        boolean grace = firstCallGrace && (slot.fresh
                || started.get() < START_GRACE_CALLS && started.incrementAndGet() <= START_GRACE_CALLS);
        slot.fresh = false;
        Duration timeout = grace && START_GRACE.compareTo(limits.timeout()) > 0 ? START_GRACE : limits.timeout();
        ConnectionDecision decision = run(slot, arguments(input), timeout, limits.maxMemoryBytes());
        if (grace && decision.outcome() == ConnectionDecision.Outcome.ERROR && "timeout".equals(decision.error())) {
            firstCallGrace = false;
        }
        log(input.connectionId(), decision);
        return decision;
    }

    /**
     * One invocation on {@code slot} under a watchdog. The slot goes back to the pool, or is closed when
     * the guest was cut off (timeout, resource limit) and its state can no longer be trusted.
     */
    private ConnectionDecision run(Slot slot, Object[] arguments, Duration timeout, long maxBytes) {
        slot.view.store = keyValueStoreName.map(stores::current).orElse(null);
        AtomicInteger state = new AtomicInteger(RUNNING);
        Context context = slot.context;
        long start = System.nanoTime();
        GuestWatchdog.Watch watch = runtime.watchdog().watch(timeout, maxBytes, start, limit -> {
            if (state.compareAndSet(RUNNING, limit == GuestWatchdog.Limit.TIME ? TIMED_OUT : OVER_MEMORY)) {
                runtime.cancel(() -> closeQuietly(context));
            }
        });
        Value result = null;
        PolyglotException failure = null;
        try {
            context.resetLimits();
            slot.invoke.executeVoid(arguments);
            result = slot.outcome.execute();
        } catch (PolyglotException e) {
            failure = e;
        } catch (IllegalStateException e) {
            // the watchdog closed the context before the call got in
            failure = null;
        }
        boolean inTime = state.compareAndSet(RUNNING, FINISHED);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        long allocated = watch.done();
        if (!inTime || allocated > maxBytes) {
            discard(slot);
            return ConnectionDecision.error(state.get() == TIMED_OUT ? "timeout"
                    : "memory limit exceeded: allocated more than " + maxBytes + " bytes", "", List.of(), elapsed);
        }
        if (failure != null || result == null) {
            discard(slot);
            return ConnectionDecision.error(escaped(failure), "", List.of(), elapsed);
        }
        ConnectionDecision decision;
        try {
            decision = decision(result, elapsed);
        } catch (PolyglotException | IllegalStateException e) {
            discard(slot);
            return ConnectionDecision.error("internal: " + oneLine(e.getMessage()), "", List.of(), elapsed);
        }
        slot.view.store = null;
        slot.allocated += allocated;
        if (slot.allocated / CONTEXT_ALLOCATION_FACTOR > maxBytes) {
            discard(slot); // retired: the next invocation gets a fresh context and fresh globals
        } else {
            release(slot);
        }
        return decision;
    }

    /**
     * Runs the fresh engine's first invocations at compile time with made-up input. The very first call
     * in a new engine takes some 100 ms and the next ones about 1 ms (builtins, promise jobs, the regex
     * engine and the JVM's own JIT warming up); without this the first handshakes would hit the 5 ms
     * timeout, and each timeout would discard the context and start cold again. Later contexts share the
     * engine's code and start in well under a millisecond.
     */
    private void warmUp() {
        long deadline = System.nanoTime() + WARM_UP_BUDGET.toNanos();
        Object[][] inputs = {arguments(WARM_UP_WITH_CERTIFICATE), arguments(WARM_UP_WITHOUT_CERTIFICATE)};
        for (int i = 0; i < WARM_UP_RUNS && System.nanoTime() < deadline; i++) {
            Slot slot = idle.pollFirst();
            if (slot == null) {
                return;
            }
            run(slot, inputs[i % 2], WARM_UP_BUDGET, WARM_UP_MEMORY);
            if (!idle.contains(slot)) {
                break; // cut off (a runaway function): warming it further only burns time
            }
        }
        // The engine keeps what warming up compiled; the contexts it ran on keep what the made-up
        // invocations left in globals, so they go: the first real connection sees fresh globals.
        for (Slot slot = idle.pollFirst(); slot != null; slot = idle.pollFirst()) {
            discard(slot);
        }
    }

    /** Closes the idle contexts; contexts in use are closed when their invocation ends. */
    @Override
    public void close() {
        closed = true;
        for (Slot slot = idle.pollFirst(); slot != null; slot = idle.pollFirst()) {
            closeQuietly(slot.context);
        }
        if (ownsRuntime) {
            runtime.close();
        }
    }

    /** Reads bootstrap.js's outcome(): a bare decision number, or the encoded state (see there). */
    private ConnectionDecision decision(Value outcome, Duration elapsed) {
        if (outcome.isNumber()) {
            return decided(outcome.asInt(), "", List.of(), elapsed);
        }
        OutcomeReader in = new OutcomeReader(outcome.asString());
        int settled = in.number();
        int chosen = in.number();
        String customData = truncateUtf8(in.field(), MAX_CUSTOM_DATA_BYTES);
        String error = in.field();
        String stack = in.field();
        int count = in.number();
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            lines.add(in.field());
        }
        if (settled == GuestProtocol.Settled.FAILED.ordinal()) {
            return ConnectionDecision.error(located(error, stack), customData, lines, elapsed);
        }
        if (settled == GuestProtocol.Settled.PENDING.ordinal()) {
            return ConnectionDecision.error("handler promise still pending after its jobs ran (it awaits something"
                    + " that never settles)", customData, lines, elapsed);
        }
        return decided(chosen, customData, lines, elapsed);
    }

    private static ConnectionDecision decided(int chosen, String customData, List<String> lines, Duration elapsed) {
        if (chosen == GuestProtocol.Decision.ALLOW.ordinal()) {
            return new ConnectionDecision(ConnectionDecision.Outcome.ALLOW, customData, lines, elapsed, "");
        }
        if (chosen == GuestProtocol.Decision.DENY.ordinal()) {
            return new ConnectionDecision(ConnectionDecision.Outcome.DENY, customData, lines, elapsed, "");
        }
        return new ConnectionDecision(ConnectionDecision.Outcome.DENY, customData, lines, elapsed,
                ConnectionDecision.NO_DECISION);
    }

    /** {@code TypeError: x is not a function at revocation.js:3}: the first stack frame in the function's file. */
    private String located(String error, String stack) {
        Matcher frame = userFrame.matcher(stack);
        String where = frame.find() ? " at " + fileName + ":" + frame.group(1) : "";
        return oneLine(error) + where;
    }

    /** A failure the guest could not catch: cancellation, a resource limit, an internal error. */
    private static String escaped(PolyglotException e) {
        if (e == null) {
            return "cancelled";
        }
        if (e.isResourceExhausted()) {
            return "resource limit exceeded: " + oneLine(e.getMessage());
        }
        if (e.isCancelled()) {
            return "cancelled";
        }
        if (e.isInterrupted()) {
            return "interrupted";
        }
        return (e.isInternalError() ? "internal: " : "") + oneLine(e.getMessage());
    }

    private FunctionCompileException compileFailure(PolyglotException e) {
        int line = 0;
        SourceSection location = e.getSourceLocation();
        if (location != null && fileName.equals(location.getSource().getName()) && location.hasLines()) {
            line = location.getStartLine();
        } else {
            for (PolyglotException.StackFrame frame : e.getPolyglotStackTrace()) {
                SourceSection at = frame.getSourceLocation();
                if (at != null && fileName.equals(at.getSource().getName()) && at.hasLines()) {
                    line = at.getStartLine();
                    break;
                }
            }
        }
        String message = e.isResourceExhausted()
                ? "top-level code ran more than " + STATEMENT_LIMIT + " statements"
                : firstLine(e.getMessage());
        if (e.isSyntaxError()) {
            // GraalJS prefixes the message with "file:line:col "; the exception already names them.
            message = "SyntaxError: " + message.replaceFirst("^SyntaxError: ", "")
                    .replaceFirst("^" + Pattern.quote(fileName) + ":\\d+:\\d+ ", "");
        }
        return new FunctionCompileException(codeFile, line, message);
    }

    private Slot acquire() {
        Slot slot = idle.pollFirst();
        return slot != null ? slot : newSlot();
    }

    private void release(Slot slot) {
        if (closed || !idle.offerFirst(slot)) {
            closeQuietly(slot.context);
        }
    }

    private void discard(Slot slot) {
        closeQuietly(slot.context);
    }

    private Slot newSlot() {
        Slot.StoreView view = new Slot.StoreView();
        long stringChars = Math.max(1024, limits.maxMemoryBytes() / 2);
        Context context = Context.newBuilder("js")
                .engine(runtime.engine())
                .allowHostAccess(HostAccess.NONE)
                .allowHostClassLookup(className -> false)
                .allowHostClassLoading(false)
                .allowNativeAccess(false)
                .allowCreateThread(false)
                .allowCreateProcess(false)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowInnerContextOptions(false)
                .allowIO(IOAccess.newBuilder().fileSystem(fileSystem).build())
                .allowExperimentalOptions(true)
                .option("js.string-length-limit", Long.toString(Math.min(stringChars, 1_073_741_799L)))
                .option("js.max-typed-array-length", Long.toString(Math.min(limits.maxMemoryBytes(), 2_147_483_639L)))
                // BigInt's ** and parsing run in host code the watchdog cannot interrupt (7n ** 2n ** 24n
                // ran on for more than 8 s past a 5 ms limit): the sandbox has no BigInt.
                .option("js.bigint", "false")
                .timeZone(java.time.ZoneOffset.UTC)
                .resourceLimits(LIMITS)
                .build();
        try {
            Value bootstrap = context.eval(FunctionRuntime.BOOTSTRAP)
                    .execute(host(view), name, keyValueStoreName.orElse(null), runtime.capturesConsole(),
                            GuestProtocol.codes());
            context.eval(source);
            if (!bootstrap.getMember("seal").execute().asBoolean()) {
                throw new MissingHandler();
            }
            return new Slot(context, bootstrap.getMember("invoke"), bootstrap.getMember("outcome"), view);
        } catch (RuntimeException e) {
            closeQuietly(context);
            throw e;
        }
    }

    /** The guest's only way out: KeyValueStore reads on the invocation's snapshot (see bootstrap.js). */
    private static ProxyExecutable host(Slot.StoreView view) {
        return args -> {
            KeyValueStore store = view.store;
            GuestProtocol.HostOperation op = GuestProtocol.HostOperation.of(args[0].asInt());
            if (op == null) {
                return null;
            }
            return switch (op) {
                case STORE_LOADED -> store != null;
                case EXISTS -> store != null && store.exists(args[1].asString());
                case GET -> store == null ? null : store.getOrNull(args[1].asString());
                case CREATED -> store == null ? null : Iso.seconds(store.created());
                case LAST_UPDATED -> store == null ? null : Iso.seconds(store.lastUpdated());
                case KEY_COUNT -> store == null ? 0 : store.size();
            };
        };
    }

    private static Object[] arguments(ConnectionInput input) {
        List<CertificateFacts> certificates = new ArrayList<>();
        input.clientCertificate().ifPresent(chain -> {
            certificates.add(chain.leaf());
            certificates.addAll(chain.intermediates());
        });
        // the leaf's slot first (empty when nothing checked the leaf), then the checked intermediates
        Optional<RevocationStatus> status = input.clientCertificate().flatMap(ClientCertificate::revocation);
        List<CertificateRevocation> revocations = new ArrayList<>();
        status.ifPresent(r -> {
            revocations.add(r.leaf());
            revocations.addAll(r.intermediates());
        });
        Object[] arguments = new Object[7 + 7 * certificates.size() + 4 * revocations.size()];
        arguments[0] = input.connectionId();
        arguments[1] = input.clientIp();
        arguments[2] = input.endpoint();
        arguments[3] = input.distributionId();
        arguments[4] = certificates.size();
        arguments[5] = status.map(r -> r.chainValidity().name()).orElse(null);
        arguments[6] = revocations.size();
        int i = 7;
        for (CertificateFacts facts : certificates) {
            arguments[i++] = facts.serialNumber();
            arguments[i++] = facts.issuer();
            arguments[i++] = facts.subject();
            arguments[i++] = Iso.seconds(facts.notBefore());
            arguments[i++] = Iso.seconds(facts.notAfter());
            arguments[i++] = facts.sha256Fingerprint();
            arguments[i++] = facts.san() == null ? "" : facts.san();
        }
        for (CertificateRevocation r : revocations) {
            arguments[i++] = r == null ? null : r.method().name();
            arguments[i++] = r == null ? null : r.status().name();
            arguments[i++] = r == null ? null : r.errorType();
            arguments[i++] = r == null ? null : r.serialNumber();
        }
        return arguments;
    }

    private void log(String connectionId, ConnectionDecision decision) {
        if (!LOG.isDebugEnabled()) {
            return;
        }
        for (String line : decision.consoleLines()) {
            LOG.debug("function {} connection {} console: {}", name, connectionId, line);
        }
        LOG.debug("function {} connection {} -> {} in {} us{}", name, connectionId, decision.outcome(),
                decision.elapsed().toNanos() / 1000, decision.error().isEmpty() ? "" : ": " + decision.error());
    }

    /** Cuts {@code s} to at most {@code maxBytes} of UTF-8 without splitting a character. */
    static String truncateUtf8(String s, int maxBytes) {
        int bytes = 0;
        for (int i = 0; i < s.length(); ) {
            int codePoint = s.codePointAt(i);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                return s.substring(0, i);
            }
            bytes += size;
            i += Character.charCount(codePoint);
        }
        return s;
    }

    private static String oneLine(String message) {
        String line = message == null ? "" : message.replaceAll("\\s+", " ").strip();
        return line.length() <= 300 ? line : line.substring(0, 300) + "...";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }

    private static void closeQuietly(Context context) {
        try {
            context.close(true);
        } catch (RuntimeException e) {
            LOG.debug("closing a function context: {}", e.toString());
        }
    }

    /** One context with the function loaded, used by one invocation at a time. */
    private static final class Slot {
        final Context context;
        final Value invoke;
        final Value outcome;
        final StoreView view;
        /** Bytes the invocations on this context allocated in all (written by the one thread holding it). */
        long allocated;
        /** No invocation has run on this context yet (written by the one thread holding it). */
        boolean fresh = true;

        Slot(Context context, Value invoke, Value outcome, StoreView view) {
            this.context = context;
            this.invoke = invoke;
            this.outcome = outcome;
            this.view = view;
        }

        /** The store snapshot of the invocation in progress, read by the host proxy. */
        static final class StoreView {
            volatile KeyValueStore store;
        }
    }

    /** Reads bootstrap.js's encoded outcome: numbers ended by ':', strings as {@code length:chars}. */
    private static final class OutcomeReader {
        private final String encoded;
        private int at;

        OutcomeReader(String encoded) {
            this.encoded = encoded;
        }

        int number() {
            int end = encoded.indexOf(':', at);
            int value = Integer.parseInt(encoded, at, end, 10);
            at = end + 1;
            return value;
        }

        String field() {
            int length = number();
            String value = encoded.substring(at, at + length);
            at += length;
            return value;
        }
    }

    private static final class MissingHandler extends RuntimeException {
        MissingHandler() {
            super("no connectionHandler", null, false, false);
        }
    }
}
