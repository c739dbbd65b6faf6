package dev.portcullis.proxy;

import dev.portcullis.config.EdgeConfig;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code server.watchConfig: true}: reloads when the config file or any file it names changes.
 * Watches their folders (editors and {@code mv} replace files rather than write them in place, and
 * Kubernetes swaps a symlink to the whole folder's contents, which fingerprints catch),
 * waits until the changes have been quiet for {@link #SETTLE_MILLIS} (a certificate and its key are
 * rarely written in the same instant) and then asks the {@link ConfigReloader}, which, as for
 * SIGHUP, applies a complete, valid state or keeps the old one. After each reload the watched set
 * follows the config now serving. One thread of its own.
 */
final class ConfigWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.reload");
    static final long SETTLE_MILLIS = 300;

    private final WatchService watcher;
    private final ConfigReloader reloader;
    private final Supplier<EdgeConfig> serving;
    private final Map<WatchKey, Path> folders = new HashMap<>();
    private Set<Path> files = Set.of();
    /** What each watched file resolves to and its size and time: a symlink swap changes this too. */
    private Map<Path, String> fingerprints = Map.of();
    private final Thread thread;

    private ConfigWatcher(WatchService watcher, ConfigReloader reloader, Supplier<EdgeConfig> serving) {
        this.watcher = watcher;
        this.reloader = reloader;
        this.serving = serving;
        this.thread = Thread.ofPlatform().daemon().name("portcullis-config-watch").unstarted(this::run);
    }

    static ConfigWatcher start(ConfigReloader reloader, Supplier<EdgeConfig> serving) throws IOException {
        ConfigWatcher w = new ConfigWatcher(FileSystems.getDefault().newWatchService(), reloader, serving);
        w.watch(serving.get());
        w.thread.start();
        LOG.info("watching {} file(s) named by the config; a change reloads it", w.files.size());
        return w;
    }

    private void watch(EdgeConfig config) {
        Set<Path> next = new HashSet<>();
        for (Path file : config.filesRead()) {
            next.add(file.toAbsolutePath().normalize());
        }
        Set<Path> dirs = new HashSet<>();
        next.forEach(f -> dirs.add(f.getParent()));
        folders.keySet().removeIf(key -> {
            if (!dirs.contains(folders.get(key))) {
                key.cancel();
                return true;
            }
            return false;
        });
        for (Path dir : dirs) {
            if (!folders.containsValue(dir)) {
                try {
                    folders.put(dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                            StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_DELETE), dir);
                } catch (IOException e) {
                    LOG.warn("watchConfig: cannot watch {}: {}", dir, e.getMessage());
                }
            }
        }
        files = next;
        fingerprints = fingerprints(next);
    }

    /**
     * Where each file really is, its size and modification time. Kubernetes replaces a ConfigMap by
     * swapping a {@code ..data} symlink, so the event names {@code ..data}, not the file: any event in
     * a watched folder is checked against these instead.
     */
    private static Map<Path, String> fingerprints(Set<Path> files) {
        Map<Path, String> prints = new HashMap<>();
        for (Path file : files) {
            String print;
            try {
                print = file.toRealPath() + "|" + java.nio.file.Files.size(file) + "|"
                        + java.nio.file.Files.getLastModifiedTime(file).toMillis();
            } catch (IOException e) {
                print = "missing";
            }
            prints.put(file, print);
        }
        return prints;
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = watcher.take();
                boolean relevant = drain(key);
                // Let a burst of writes settle: keep collecting until none came for SETTLE_MILLIS.
                WatchKey more;
                while ((more = watcher.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    relevant |= drain(more);
                }
                if (relevant) {
                    try {
                        ConfigReloader.Result result = reloader.reload().join();
                        LOG.info("watchConfig: a watched file changed; reload {}", result.applied() ? "applied, version "
                                + result.version() : "refused (" + result.problems().size()
                                + " problem(s); the old state serves)");
                        watch(serving.get());
                    } catch (RuntimeException e) {
                        // the watcher must outlive a failed reload, or watchConfig would be off unnoticed
                        LOG.warn("watchConfig: the reload failed: {}", e.toString());
                    }
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closing
        }
    }

    private boolean drain(WatchKey key) {
        Path dir = folders.get(key);
        boolean relevant = false;
        boolean any = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            any = true;
            if (dir != null && event.context() instanceof Path name && files.contains(dir.resolve(name))) {
                relevant = true;
            }
            if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                relevant = true;
            }
        }
        key.reset();
        if (!relevant && any) {
            Map<Path, String> now = fingerprints(files);
            relevant = !now.equals(fingerprints);
        }
        return relevant;
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            watcher.close();
        } catch (IOException ignored) {
            // closing at shutdown
        }
    }
}
