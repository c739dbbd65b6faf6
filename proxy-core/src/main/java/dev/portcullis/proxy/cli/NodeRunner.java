package dev.portcullis.proxy.cli;

import dev.portcullis.config.EdgeConfig;
import dev.portcullis.proxy.EdgeNode;
import dev.portcullis.proxy.StartupException;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Runs a node until SIGTERM or SIGINT, then drains and returns so the process exits 0 (a JVM
 * shutdown hook alone would exit 143). Used by run and demo.
 */
final class NodeRunner {
    private NodeRunner() {
    }

    static int run(EdgeConfig config, Runnable onStarted) {
        EdgeNode node;
        try {
            node = EdgeNode.start(config);
        } catch (StartupException e) {
            System.err.println("portcullis: refusing to start:");
            for (String line : e.getMessage().split("\n")) {
                System.err.println("  " + line);
            }
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        // SIGHUP: reopen the log files (logrotate) and reload the config (every problem is logged).
        Signal.handle(new Signal("HUP"), s -> {
            node.reopenLogs();
            node.reload();
        });
        onStarted.run();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        System.err.println("portcullis: stopping (draining in-flight requests for up to "
                + config.server().drainTimeout().toSeconds() + "s)");
        node.close();
        return 0;
    }
}
