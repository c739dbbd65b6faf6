package dev.portcullis.functions;

import java.time.Duration;
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
 * One function's code and the pool of sandboxed GraalJS contexts that run it, one invocation per
 * context at a time, whatever the event type: the codecs ({@link ConnectionFunction} for connection
 * events, {@link ViewerFunction} for viewer-request and viewer-response events) turn their input into
 * the bootstrap's arguments and its outcome into their result; everything else (the sandbox, the
 * watchdog-guarded run, warm-up, the start-up grace, context retirement, compile diagnostics) is here.
 *
 * <p>Sandbox: no host access, class lookup, native access, threads, processes, environment, polyglot
 * access or {@code eval}; the only file system is a virtual one serving the {@code cloudfront} module.
 *
 * <p>Bounded: run time (a watchdog closes the context when the timeout of guest CPU time passes: "timeout",
 * the context is replaced), memory (the bytes an invocation's thread allocates, host and guest, may not
 * exceed {@code maxMemoryBytes}: "memory limit exceeded", the context is replaced; community GraalJS has
 * no per-context heap cap, see {@link GuestWatchdog}), what a context keeps between invocations (it is
 * retired once its invocations allocated {@value #CONTEXT_ALLOCATION_FACTOR} times the limit in all),
 * statements per invocation ({@value #STATEMENT_LIMIT}, which also bounds loops that grow arrays and
 * objects), string length ({@code maxMemoryBytes / 2} chars), typed array length ({@code maxMemoryBytes}),
 * console lines (100 of at most 4096 chars), code size (10 KB).
 *
 * <p>Globals persist between invocations on the same context, as in CloudFront, where a function's
 * instance may be reused. Nothing may rely on it: contexts are pooled, replaced after a fault and
 * retired after their allocation budget.
 */
final class GuestPool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GuestPool.class);

    /** Statements one invocation may execute: a backstop far beyond what 5 ms allow in the interpreter. */
    static final long STATEMENT_LIMIT = 5_000_000;
    /** Top-level code runs when a context is made, without a watchdog; the statement limit bounds it. */
    private static final ResourceLimits LIMITS = ResourceLimits.newBuilder()
            .statementLimit(STATEMENT_LIMIT, null)
            .build();
    /**
     * A context is retired once the invocations on it have allocated this many times the memory
     * limit in all: what globals keep between invocations cannot grow without bound either.
     */
    static final int CONTEXT_ALLOCATION_FACTOR = 32;

    private static final int WARM_UP_RUNS = 100;
    private static final Duration WARM_UP_BUDGET = Duration.ofMillis(500);
    /**
     * The first call in a fresh engine allocates some 8 MB (builtins, regex engine, promise jobs: once
     * per engine), the second about 0.6 MB, later ones about 30 KB for the blog's function. Warm-up
     * allows for the first; a function that allocates without bound is still cut off at startup.
     */
    private static final long WARM_UP_MEMORY = 64L * 1024 * 1024;
    /** Invocations after compiling (and the first on each new context) may take this long; never less than the timeout. */
    private static final Duration START_GRACE = Duration.ofMillis(50);
    /** How many invocations after compiling get the grace. */
    private static final int START_GRACE_CALLS = 256;

    private static final int RUNNING = 0;
    private static final int FINISHED = 1;
    private static final int TIMED_OUT = 2;
    private static final int OVER_MEMORY = 3;

    /** What one run produced: the codec's reading of the outcome, or why there is none. */
    interface Decoder<R> {
        /** Reads bootstrap.js's outcome while the context is still held; may throw PolyglotException. */
        R decode(Value outcome, Duration elapsed);

        /** A fault the guest could not catch (time, memory, cancellation, an internal error). */
        R fault(String error, Duration elapsed);
    }

    private final FunctionRuntime runtime;
    private final boolean ownsRuntime;
    private final GuestProtocol.EventKind kind;
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
    private final AtomicInteger started = new AtomicInteger();

    GuestPool(FunctionRuntime runtime, boolean ownsRuntime, GuestProtocol.EventKind kind, String name, String codeFile,
              String fileName, Source source, boolean module, Optional<String> keyValueStoreName, FunctionLimits limits,
              KeyValueStores stores) {
        this.runtime = runtime;
        this.ownsRuntime = ownsRuntime;
        this.kind = kind;
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
     * Runs the top-level code in a first context (so every problem with it surfaces now), then warms
     * the engine up with {@code warmUpInputs}, taken in turn.
     */
    void start(Object[][] warmUpInputs, Decoder<?> decoder) throws FunctionCompileException {
        Slot first;
        try {
            first = newSlot();
        } catch (MissingHandler e) {
            throw new FunctionCompileException(codeFile, 0, "no function " + kind.handlerName() + ": declare function "
                    + kind.handlerName() + "(" + kind.argumentName() + ")");
        } catch (PolyglotException e) {
            throw compileFailure(e);
        }
        release(first);
        warmUp(warmUpInputs, decoder);
        if (idle.isEmpty()) {
            // the warm-up's context was cut off: start the pool with a fresh one
            try {
                release(newSlot());
            } catch (RuntimeException e) {
                LOG.debug("function {}: no context after warm-up: {}", name, e.toString());
            }
        }
    }

    String name() {
        return name;
    }

    boolean isModule() {
        return module;
    }

    Optional<String> keyValueStoreName() {
        return keyValueStoreName;
    }

    FunctionLimits limits() {
        return limits;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * One invocation with the function's limits. A freshly compiled function runs interpreted while
     * Graal compiles it in the background: on a fresh node its first invocations took 4-35 ms
     * (measured), far past CloudFront's 5 ms, and each timeout discards its context and starts colder.
     * So the first {@value #START_GRACE_CALLS} invocations, and a fresh context's first call, get
     * {@link #START_GRACE}, until one of them runs out even of that: then the function gets no grace
     * again (a runaway function burns at most one grace per thread, not one per call).
     */
    <R> R invoke(Object[] arguments, Decoder<R> decoder) {
        if (closed) {
            return decoder.fault("function " + name + " is closed", Duration.ZERO);
        }
        Slot slot;
        try {
            slot = acquire();
        } catch (RuntimeException e) {
            LOG.warn("function {}: cannot make a context: {}", name, e.toString());
            return decoder.fault("internal: cannot make a context: " + GuestText.oneLine(e.getMessage()), Duration.ZERO);
        }
        boolean grace = firstCallGrace && (slot.fresh
                || started.get() < START_GRACE_CALLS && started.incrementAndGet() <= START_GRACE_CALLS);
        slot.fresh = false;
        Duration timeout = grace && START_GRACE.compareTo(limits.timeout()) > 0 ? START_GRACE : limits.timeout();
        boolean[] timedOut = new boolean[1];
        R result = run(slot, arguments, timeout, limits.maxMemoryBytes(), decoder, timedOut);
        if (grace && timedOut[0]) {
            firstCallGrace = false;
        }
        return result;
    }

    /**
     * One invocation on {@code slot} under a watchdog. The slot goes back to the pool, or is closed when
     * the guest was cut off (timeout, resource limit) and its state can no longer be trusted.
     */
    private <R> R run(Slot slot, Object[] arguments, Duration timeout, long maxBytes, Decoder<R> decoder,
                      boolean[] timedOut) {
        slot.view.store = keyValueStoreName.map(stores::current).orElse(null);
        AtomicInteger state = new AtomicInteger(RUNNING);
        Context context = slot.context;
        long start = System.nanoTime();
        GuestWatchdog.Watch watch = runtime.watchdog().watch(timeout, maxBytes, start, limit -> {
            if (state.compareAndSet(RUNNING, limit == GuestWatchdog.Limit.TIME ? TIMED_OUT : OVER_MEMORY)) {
                runtime.cancel(() -> closeQuietly(context));
            }
        });
        Value outcome = null;
        PolyglotException failure = null;
        try {
            context.resetLimits();
            slot.invoke.executeVoid(arguments);
            outcome = slot.outcome.execute();
        } catch (PolyglotException e) {
            failure = e;
        } catch (IllegalStateException e) {
            // the watchdog closed the context before the call got in
            failure = null;
        }
        boolean inTime = state.compareAndSet(RUNNING, FINISHED);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        long allocated = watch.done();
        slot.calls++;
        if (!inTime || allocated > maxBytes) {
            discard(slot);
            timedOut[0] = state.get() == TIMED_OUT;
            // the call's own count and its place in the context's life say what kind of overrun it was
            return decoder.fault(timedOut[0] ? "timeout"
                    : "memory limit exceeded: allocated more than " + maxBytes + " bytes (" + allocated
                    + " in this call, call " + slot.calls + " on its context)", elapsed);
        }
        if (failure != null || outcome == null) {
            discard(slot);
            return decoder.fault(escaped(failure), elapsed);
        }
        R result;
        try {
            result = decoder.decode(outcome, elapsed);
        } catch (PolyglotException | IllegalStateException e) {
            discard(slot);
            return decoder.fault("internal: " + GuestText.oneLine(e.getMessage()), elapsed);
        }
        slot.view.store = null;
        slot.allocated += allocated;
        if (slot.allocated / CONTEXT_ALLOCATION_FACTOR > maxBytes) {
            discard(slot); // retired: the next invocation gets a fresh context and fresh globals
        } else {
            release(slot);
        }
        return result;
    }

    /**
     * Runs the fresh engine's first invocations at compile time with made-up input. The very first call
     * in a new engine takes some 100 ms and the next ones about 1 ms (builtins, promise jobs, the regex
     * engine and the JVM's own JIT warming up); without this the first calls would hit the 5 ms
     * timeout, and each timeout would discard the context and start cold again. Later contexts share the
     * engine's code and start in well under a millisecond.
     */
    private void warmUp(Object[][] inputs, Decoder<?> decoder) {
        long deadline = System.nanoTime() + WARM_UP_BUDGET.toNanos();
        boolean[] timedOut = new boolean[1];
        for (int i = 0; i < WARM_UP_RUNS && System.nanoTime() < deadline; i++) {
            Slot slot = idle.pollFirst();
            if (slot == null) {
                return;
            }
            if (i < 3 && slot.exercise != null) {
                try {
                    slot.exercise.executeVoid();
                } catch (PolyglotException e) {
                    LOG.debug("function {}: warming the bootstrap up: {}", name, e.toString());
                }
            }
            run(slot, inputs[i % inputs.length], WARM_UP_BUDGET, WARM_UP_MEMORY, decoder, timedOut);
            if (!idle.contains(slot)) {
                break; // cut off (a runaway function): warming it further only burns time
            }
        }
        // The engine keeps what warming up compiled; the contexts it ran on keep what the made-up
        // invocations left in globals, so they go: the first real call sees fresh globals.
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

    /** {@code TypeError: x is not a function at revocation.js:3}: the first stack frame in the function's file. */
    String located(String error, String stack) {
        Matcher frame = userFrame.matcher(stack);
        String where = frame.find() ? " at " + fileName + ":" + frame.group(1) : "";
        return GuestText.oneLine(error) + where;
    }

    /** A failure the guest could not catch: cancellation, a resource limit, an internal error. */
    private static String escaped(PolyglotException e) {
        if (e == null) {
            return "cancelled";
        }
        if (e.isResourceExhausted()) {
            return "resource limit exceeded: " + GuestText.oneLine(e.getMessage());
        }
        if (e.isCancelled()) {
            return "cancelled";
        }
        if (e.isInterrupted()) {
            return "interrupted";
        }
        return (e.isInternalError() ? "internal: " : "") + GuestText.oneLine(e.getMessage());
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
                : GuestText.firstLine(e.getMessage());
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
                            GuestProtocol.codes(), kind.ordinal());
            context.eval(source);
            if (!bootstrap.getMember("seal").execute().asBoolean()) {
                throw new MissingHandler();
            }
            return new Slot(context, bootstrap.getMember("invoke"), bootstrap.getMember("outcome"),
                    bootstrap.getMember("exercise"), view);
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
                case CREATED -> store == null ? null : dev.portcullis.truststore.Iso.seconds(store.created());
                case LAST_UPDATED -> store == null ? null : dev.portcullis.truststore.Iso.seconds(store.lastUpdated());
                case KEY_COUNT -> store == null ? 0 : store.size();
            };
        };
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
        /** The bootstrap's own paths, run when warming up (viewer functions), or null. */
        final Value exercise;
        final StoreView view;
        /** Bytes the invocations on this context allocated in all (written by the one thread holding it). */
        long allocated;
        /** No invocation has run on this context yet (written by the one thread holding it). */
        boolean fresh = true;
        /** Invocations that ran on this context (written by the one thread holding it). */
        long calls;

        Slot(Context context, Value invoke, Value outcome, Value exercise, StoreView view) {
            this.context = context;
            this.invoke = invoke;
            this.outcome = outcome;
            this.exercise = exercise == null || exercise.isNull() ? null : exercise;
            this.view = view;
        }

        /** The store snapshot of the invocation in progress, read by the host proxy. */
        static final class StoreView {
            volatile KeyValueStore store;
        }
    }

    private static final class MissingHandler extends RuntimeException {
        MissingHandler() {
            super("no handler", null, false, false);
        }
    }
}
