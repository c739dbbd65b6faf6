package dev.portcullis.proxy.fleetbench;

import dev.portcullis.pki.IssuedCertificate;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code fleet bench} measures against: a throwaway single-member etcd on loopback ports (or
 * one the user names) and N nodes, each its own process started from this JVM's classpath and
 * options, each with its own data directory, all fed by the etcd.
 */
final class BenchCluster implements AutoCloseable {
    record Node(String name, int port, int adminPort, Process process, Path log) {
    }

    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    final List<Node> nodes = new ArrayList<>();
    String endpoint;

    BenchCluster(Path dir) {
        this.dir = dir;
    }

    void startEtcd(String binary) throws Exception {
        int client = freePort();
        int peer = freePort();
        endpoint = "http://127.0.0.1:" + client;
        String peerUrl = "http://127.0.0.1:" + peer;
        Process etcd = new ProcessBuilder(binary, "--name", "bench", "--data-dir", dir.resolve("etcd").toString(),
                "--listen-client-urls", endpoint, "--advertise-client-urls", endpoint, "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", "bench=" + peerUrl, "--log-level", "warn")
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        processes.add(etcd);
        await(() -> get(endpoint + "/health").contains("true"), etcd, dir.resolve("etcd.log"), "etcd to be healthy");
    }

    void useEtcd(String existing) {
        endpoint = existing;
    }

    /** Starts node {@code i} with {@code configYaml} (already naming its ports) and waits until it is healthy. */
    void startNode(int i, String yamlTemplate) throws Exception {
        Path home = dir.resolve("node-" + i);
        Files.createDirectories(home);
        int port = freePort();
        int admin = freePort();
        Path config = home.resolve("edge.yaml");
        IssuedCertificate.writeString(config, yamlTemplate.replace("PORT", Integer.toString(port))
                .replace("ADMIN", Integer.toString(admin)).replace("NODE", "edge-" + i));
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.portcullis.proxy.cli.PortcullisCli", "run",
                "--config", config.toString()));
        Path log = home.resolve("node.log");
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        processes.add(process);
        await(() -> get("http://127.0.0.1:" + admin + "/healthz").startsWith("ok"), process, log, "node " + i + " to be healthy");
        nodes.add(new Node("edge-" + i, port, admin, process, log));
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    static String get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static void await(java.util.function.BooleanSupplier ready, Process process, Path log, String what)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(what + ": the process exited " + process.exitValue() + "; see " + log);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what + "; see " + log);
            }
            Thread.sleep(50); // polling a process we started; there is nothing to wait on instead
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (Process p : processes.reversed()) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }
}
