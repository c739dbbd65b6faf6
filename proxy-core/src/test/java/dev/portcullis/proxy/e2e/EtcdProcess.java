package dev.portcullis.proxy.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real single-member etcd on loopback ports with a data directory of its own, for the fleet
 * tests: started, stopped and started again on the same ports and data (as an outage would).
 */
final class EtcdProcess implements AutoCloseable {
    private final Path dataDir;
    private final Path log;
    final int clientPort;
    private final int peerPort;
    private Process process;

    private EtcdProcess(Path dir) {
        this.dataDir = dir.resolve("etcd-data");
        this.log = dir.resolve("etcd.log");
        this.clientPort = FreePorts.belowEphemeral();
        this.peerPort = FreePorts.belowEphemeral();
    }

    static EtcdProcess start(Path dir) throws Exception {
        EtcdProcess etcd = new EtcdProcess(dir);
        etcd.start();
        return etcd;
    }

    String endpoint() {
        return "http://127.0.0.1:" + clientPort;
    }

    void start() throws Exception {
        String binary = List.of("/usr/bin/etcd", "/usr/local/bin/etcd").stream().filter(p -> Files.isExecutable(Path.of(p)))
                .findFirst().orElseThrow(() -> new AssertionError("etcd is not installed (Debian: apt-get install"
                        + " etcd-server; .ci/run installs it)"));
        String peer = "http://127.0.0.1:" + peerPort;
        process = new ProcessBuilder(binary, "--name", "fleet-test", "--data-dir", dataDir.toString(),
                "--listen-client-urls", endpoint(), "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "fleet-test=" + peer, "--initial-cluster-state", "new",
                "--log-level", "warn")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        Await.until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("etcd exited " + process.exitValue() + ": " + tail());
            }
            return Proc.run(List.of("curl", "-s", "--max-time", "2", endpoint() + "/health")).stdout().contains("true");
        }, "etcd to be healthy on " + endpoint(), Duration.ofSeconds(30));
    }

    /** Stops etcd (SIGTERM) and waits until its client port is closed. */
    void stop() throws Exception {
        process.destroy();
        process.waitFor();
        Await.until(() -> !listening(), "etcd's port to close", Duration.ofSeconds(10));
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String tail() {
        try {
            String text = Files.readString(log);
            return text.substring(Math.max(0, text.length() - 2000));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
