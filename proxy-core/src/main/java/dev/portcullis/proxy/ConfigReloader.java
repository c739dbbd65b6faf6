package dev.portcullis.proxy;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.EdgeConfig;
import dev.portcullis.fleet.PushedConfig;
import dev.portcullis.kvs.LiveKeyValueStores;
import dev.portcullis.proxy.tls.Generation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the config file the node started from (SIGHUP, {@code POST /reload}): it is loaded and
 * every file it names is read and built into a new generation first; only a complete, valid one is
 * swapped in, so a mistake never turns mTLS or a limit off and the node keeps serving what it had.
 * New connections get the new generation at once; open ones finish on theirs. What cannot change in
 * a running process (the {@code server} section: listener, threads, limits; {@code logging}) keeps
 * its running value and is reported as needing a restart, while the rest applies.
 *
 * <p>One thread of its own runs reloads one at a time (so two requests cannot interleave, and no
 * event loop, the admin one included, waits for certificates to be read or functions compiled).
 */
public final class ConfigReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.reload");

    /** What the last reload did; {@code version} is the generation serving new connections. */
    public record Result(boolean applied, long version, Instant at, List<String> problems, List<String> restartRequiredFor) {
    }

    private final EdgeServer server;
    private final EdgeConfig started;
    private final Counter successes;
    private final Counter failures;
    private final Instant loadedAt = Instant.now();
    private final AtomicReference<Result> last = new AtomicReference<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "portcullis-reload");
        t.setDaemon(true);
        return t;
    });

    private final LiveKeyValueStores stores;
    /** The fleet push the node serves, if any: once something was pushed, the pushed files win over the local ones. */
    private volatile PushedConfig activePush;

    public ConfigReloader(EdgeServer server, EdgeConfig started, LiveKeyValueStores stores, MeterRegistry registry) {
        this.server = server;
        this.stores = stores;
        this.started = started;
        this.successes = Counter.builder("portcullis.reload").tag("result", "success")
                .description("config reloads by result").register(registry);
        this.failures = Counter.builder("portcullis.reload").tag("result", "failure")
                .description("config reloads by result").register(registry);
        registry.gauge("portcullis.config.version", server, s -> s.generation().number());
    }

    /** The node started from {@code push} (instead of its own files). */
    public void startedFrom(PushedConfig push) {
        activePush = push;
    }

    /**
     * Applies a fleet push as a reload (on the reload thread): the pushed shared config on this
     * node's own server, logging and fleet sections. Completes with its problems; empty: applied.
     */
    public CompletableFuture<List<String>> applyPush(PushedConfig push) {
        return CompletableFuture.supplyAsync(() -> {
            Result result = applyPushNow(push);
            last.set(result);
            (result.applied() ? successes : failures).increment();
            return result.problems();
        }, thread);
    }

    private Result applyPushNow(PushedConfig push) {
        EdgeConfig next;
        try {
            next = ConfigLoader.parsePushed(push.text(), push.baseDir(), push.relocations(), started, push.label());
        } catch (ConfigException e) {
            return failed(push.inPushedNames(e.problems().stream().map(p -> push.label() + ": " + p).toList()));
        }
        Result result = apply(next, push.label(), false, push::inPushedNames);
        if (result.applied()) {
            if (activePush == null) {
                LOG.info("reload: from now on this node serves what the fleet pushes, not the files {} names",
                        started.source());
            }
            activePush = push;
        }
        return result;
    }

    /** Reloads on the reload thread; the future completes with what happened. */
    public CompletableFuture<Result> reload() {
        return CompletableFuture.supplyAsync(this::reloadNow, thread);
    }

    /** The version serving new connections, when the node started, and the last reload's result (or null). */
    public long version() {
        return server.generation().number();
    }

    public Instant loadedAt() {
        return loadedAt;
    }

    public Result lastReload() {
        return last.get();
    }

    private Result reloadNow() {
        Result result;
        PushedConfig push = activePush;
        if (push != null) {
            result = applyPushNow(push); // the local file's shared sections no longer rule this node
        } else if (!Files.isRegularFile(started.source())) {
            result = failed(List.of("config: " + started.source() + " is not a file the node can read again"));
        } else {
            result = apply();
        }
        last.set(result);
        (result.applied() ? successes : failures).increment();
        return result;
    }

    private Result apply() {
        EdgeConfig next;
        try {
            next = ConfigLoader.load(started.source());
        } catch (ConfigException e) {
            return failed(e.problems());
        }
        return apply(next, started.source().toString(), true, problems -> problems);
    }

    /**
     * @param local whether {@code next} is the node's own file (whose server, logging and fleet may differ)
     * @param names how problems name files (a push's as the pusher named them)
     */
    private Result apply(EdgeConfig next, String from, boolean local, java.util.function.UnaryOperator<List<String>> names) {
        List<String> restart = new ArrayList<>();
        if (local && !next.server().equals(started.server())) {
            restart.add("server");
        }
        if (local && !next.logging().equals(started.logging())) {
            restart.add("logging");
        }
        if (local && !next.fleet().equals(started.fleet())) {
            restart.add("fleet");
        }
        EdgeConfig applied = new EdgeConfig(next.source(), started.server(), next.distributions(), next.trustStores(),
                next.keyValueStores(), next.connectionFunctions(), next.functions(), started.logging(), started.fleet());
        // New stores are created (from their importSource) before the generation whose functions read them.
        List<String> storeProblems = stores.ensure(next.keyValueStores());
        if (!storeProblems.isEmpty()) {
            return failed(names.apply(storeProblems));
        }
        Generation generation;
        EdgeConfig previousConfig = server.generation().config();
        try {
            generation = server.replace(applied);
        } catch (StartupException e) {
            return failed(names.apply(List.of(e.getMessage().split("\n"))));
        }
        stores.retainOnly(next.keyValueStores().stream().map(s -> s.name()).collect(java.util.stream.Collectors.toSet()));
        warnAboutWeakerChecks(server.generation() == generation ? previousConfig : null, next);
        if (!restart.isEmpty()) {
            LOG.warn("reload: version {} applied; changes to {} take effect only on a restart", generation.number(), restart);
        } else {
            LOG.info("reload: version {} applied from {}", generation.number(), from);
        }
        return new Result(true, generation.number(), Instant.now(), List.of(), List.copyOf(restart));
    }

    /**
     * A reload may lawfully remove a distribution's connection function or relax its mode, and with
     * it a revocation check: applied as written, but said loudly, one line per distribution.
     */
    private static void warnAboutWeakerChecks(EdgeConfig before, EdgeConfig after) {
        if (before == null) {
            return;
        }
        for (var d : after.distributions()) {
            before.distribution(d.id()).ifPresent(old -> {
                if (old.connectionFunctionId().isPresent() && d.connectionFunctionId().isEmpty()) {
                    LOG.warn("reload: distribution {} no longer runs connection function {}: its connections are"
                            + " no longer checked by it", d.id(), old.connectionFunctionId().get());
                }
                if (old.viewerMtlsConfig().mode() != d.viewerMtlsConfig().mode()) {
                    LOG.warn("reload: distribution {} changed viewerMtlsConfig.mode from {} to {}", d.id(),
                            old.viewerMtlsConfig().mode().yamlName(), d.viewerMtlsConfig().mode().yamlName());
                }
            });
        }
    }

    private Result failed(List<String> problems) {
        LOG.warn("reload refused, version {} keeps serving: {} problem(s)", server.generation().number(), problems.size());
        problems.forEach(p -> LOG.warn("reload: {}", p));
        return new Result(false, server.generation().number(), Instant.now(), List.copyOf(problems), List.of());
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
