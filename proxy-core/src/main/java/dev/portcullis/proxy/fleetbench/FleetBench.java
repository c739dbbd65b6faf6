package dev.portcullis.proxy.fleetbench;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.proxy.demo.EchoOrigin;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code portcullis fleet bench}: how long a revocation takes to reach every node's handshakes.
 * For each of N revocations, written at a steady rate through the KeyValueStore API of the nodes
 * in turn (so the ETag travels between nodes as well), it measures the time from the write's
 * acknowledgement until each node refuses that certificate in a real full TLS handshake, probing
 * each node back to back from a thread of its own.
 *
 * <p>Over 250 lines: one benchmark run from start to report (revoke at a rate, probe every node
 * until it refuses, summarise); a tool, not serving code.
 */
public final class FleetBench {
    /** Settings of one run. */
    public record Settings(int revocations, double rate, int nodes, int warmup, Path dir, String etcd, String etcdBinary) {
    }

    /**
     * One revocation as each node saw it: milliseconds from acknowledgement to the end of the first
     * refused handshake (-1: never), and to its start (the node had applied the revocation by the
     * time that handshake reached its connection function, somewhere in between).
     */
    record Sample(int index, int writer, double[] millis, double[] startedMillis) {
    }

    /** The first refusal: when the refused probe started and ended, in ms after the acknowledgement. */
    private record Refusal(double started, double ended) {
    }

    private static final Duration GIVE_UP = Duration.ofSeconds(10);
    private static final int SERIAL_BASE = 0x100000;

    private final Settings settings;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String etag;

    public FleetBench(Settings settings) {
        this.settings = settings;
    }

    public String run() throws Exception {
        Path dir = settings.dir();
        Files.createDirectories(dir);
        int certificates = settings.revocations() + settings.warmup() + 1;
        IssuedCertificate root = CertificateSpec.ca("CN=Fleet Bench Root,O=Portcullis").selfSigned();
        CertificateSpec.server("CN=localhost", "localhost").ipAddress("127.0.0.1").signedBy(root)
                .write(dir.resolve("server.pem"), dir.resolve("server.key"));
        IssuedCertificate.writeString(dir.resolve("bundle.pem"), root.certificatePem());
        try (var in = FleetBench.class.getResourceAsStream("/dev/portcullis/proxy/demo/revocation.js")) {
            Files.write(dir.resolve("revocation.js"), in.readAllBytes());
        }
        IssuedCertificate.writeString(dir.resolve("revoked.json"), "{\"data\":[]}");
        List<HandshakeProbe> probes = new ArrayList<>();
        for (int i = 0; i < certificates; i++) {
            IssuedCertificate leaf = CertificateSpec.client("CN=device-" + i + ",O=Fleet Bench")
                    .serial(BigInteger.valueOf(SERIAL_BASE + i)).signedBy(root);
            probes.add(new HandshakeProbe(leaf, List.of(leaf.certificate()), root.certificate()));
        }
        HandshakeProbe control = probes.get(certificates - 1); // never revoked

        try (BenchCluster cluster = new BenchCluster(dir);
             EchoOrigin origin = EchoOrigin.start(new InetSocketAddress("127.0.0.1", 0))) {
            if (settings.etcd() != null) {
                cluster.useEtcd(settings.etcd());
            } else {
                cluster.startEtcd(settings.etcdBinary());
            }
            String prefix = "/portcullis-bench-" + Long.toHexString(System.currentTimeMillis()) + "/";
            String yaml = template(dir, origin.port(), cluster.endpoint, prefix);
            for (int i = 1; i <= settings.nodes(); i++) {
                cluster.startNode(i, yaml);
            }
            List<BenchCluster.Node> nodes = cluster.nodes;
            for (BenchCluster.Node node : nodes) {
                for (int i = 0; i < 1000; i++) { // the handshake paths (ours and the nodes') warm before anything is timed
                    if (!control.allowed(node.port()) && i == 0) {
                        throw new IllegalStateException(node.name() + " refuses a valid certificate; see " + node.log());
                    }
                }
            }
            etag = describeEtag(nodes.get(0));
            ExecutorService probers = Executors.newFixedThreadPool(Math.max(4, nodes.size() * 4));
            List<Future<Sample>> warm = measure(nodes, probes, 0, settings.warmup(), probers);
            for (Future<Sample> f : warm) {
                f.get();
            }
            List<Future<Sample>> timed = measure(nodes, probes, settings.warmup(), settings.revocations(), probers);
            List<Sample> samples = new ArrayList<>();
            for (Future<Sample> f : timed) {
                samples.add(f.get());
            }
            probers.shutdown();
            boolean controlStillIn = nodes.stream().allMatch(n -> control.allowed(n.port()));
            return report(nodes, samples, controlStillIn);
        }
    }

    /** Writes revocations [from, from+count) at the steady rate; each write's probes run meanwhile. */
    private List<Future<Sample>> measure(List<BenchCluster.Node> nodes, List<HandshakeProbe> probes, int from, int count,
                                         ExecutorService probers) throws Exception {
        List<Future<Sample>> results = new ArrayList<>();
        long interval = (long) (1_000_000_000L / settings.rate());
        long next = System.nanoTime();
        for (int k = 0; k < count; k++) {
            int index = from + k;
            LockSupport.parkNanos(next - System.nanoTime()); // the load's pace, not a wait for a result
            next += interval;
            int writer = index % nodes.size();
            long acked = revoke(nodes.get(writer), String.format(Locale.ROOT, "%06x", SERIAL_BASE + index));
            HandshakeProbe probe = probes.get(index);
            List<Future<Refusal>> perNode = new ArrayList<>();
            for (BenchCluster.Node node : nodes) {
                perNode.add(probers.submit(() -> untilRefused(probe, node.port(), acked)));
            }
            results.add(probers.submit(() -> {
                double[] millis = new double[perNode.size()];
                double[] started = new double[perNode.size()];
                for (int n = 0; n < millis.length; n++) {
                    Refusal r = perNode.get(n).get();
                    millis[n] = r.ended();
                    started[n] = r.started();
                }
                return new Sample(index, writer, millis, started);
            }));
        }
        return results;
    }

    private static Refusal untilRefused(HandshakeProbe probe, int port, long acked) {
        long deadline = acked + GIVE_UP.toNanos();
        while (System.nanoTime() < deadline) {
            long start = System.nanoTime();
            if (!probe.allowed(port)) {
                return new Refusal((start - acked) / 1e6, (System.nanoTime() - acked) / 1e6);
            }
        }
        return new Refusal(-1, -1);
    }

    /** PutKey through a node's admin API; returns when the 200 arrived (System.nanoTime). */
    private long revoke(BenchCluster.Node node, String serial) throws Exception {
        for (int attempt = 0; attempt < 5; attempt++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort()
                            + "/key-value-stores/revoked-serials/keys/" + serial))
                    .timeout(Duration.ofSeconds(15)).header("If-Match", etag).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"Value\":\"revoked by fleet bench\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            long at = System.nanoTime();
            if (r.statusCode() == 200) {
                etag = r.headers().firstValue("ETag").orElseThrow();
                return at;
            }
            if (r.statusCode() != 412) {
                throw new IllegalStateException("PutKey on " + node.name() + " answered " + r.statusCode() + ": " + r.body());
            }
            etag = describeEtag(node);
        }
        throw new IllegalStateException("PutKey kept failing with 412 on " + node.name());
    }

    private String describeEtag(BenchCluster.Node node) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort()
                + "/key-value-stores/revoked-serials")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.headers().firstValue("ETag").orElseThrow(() -> new IllegalStateException("no ETag from " + node.name()));
    }

    private String report(List<BenchCluster.Node> nodes, List<Sample> samples, boolean controlStillIn) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "fleet bench: %d revocations at %.0f/s through %d nodes (%d cores); ms from"
                + " the write's 200 until the node refuses the certificate in a full handshake%n", samples.size(),
                settings.rate(), nodes.size(), Runtime.getRuntime().availableProcessors()));
        List<Double> all = new ArrayList<>();
        List<Double> allStarted = new ArrayList<>();
        int never = 0;
        for (int n = 0; n < nodes.size(); n++) {
            List<Double> mine = new ArrayList<>();
            for (Sample s : samples) {
                if (s.millis()[n] < 0) {
                    never++;
                } else {
                    mine.add(s.millis()[n]);
                }
            }
            all.addAll(mine);
            for (Sample s : samples) {
                if (s.startedMillis()[n] >= 0) {
                    allStarted.add(s.startedMillis()[n]);
                }
            }
            out.append(String.format(Locale.ROOT, "  %-8s %s%n", nodes.get(n).name(), summary(mine)));
        }
        out.append(String.format(Locale.ROOT, "  %-8s %s%n", "all", summary(all)));
        out.append(String.format(Locale.ROOT, "  %-8s %s%n", "started", summary(allStarted)));
        out.append("  (started: ms from the 200 until the refused handshake began; the node applied the revocation\n"
                + "   before that handshake reached its connection function, so the truth lies between the two rows)\n");
        out.append(String.format(Locale.ROOT, "  never refused within %d s: %d; control certificate still let in: %s%n",
                GIVE_UP.toSeconds(), never, controlStillIn));
        return out.toString();
    }

    private static String summary(List<Double> values) {
        if (values.isEmpty()) {
            return "no samples";
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return String.format(Locale.ROOT, "p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  (n=%d)", at(sorted, 0.50), at(sorted, 0.90),
                at(sorted, 0.99), sorted.get(sorted.size() - 1), sorted.size());
    }

    private static double at(List<Double> sorted, double q) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    private static String template(Path dir, int originPort, String etcd, String prefix) {
        return """
                server:
                  listen: 127.0.0.1:PORT
                  admin: 127.0.0.1:ADMIN
                  dataDir: data
                  drainTimeout: 1s
                distributions:
                  - id: EBENCH
                    domainNames: [localhost]
                    viewerCertificate: {certificate: %1$s/server.pem, privateKey: %1$s/server.key}
                    viewerMtlsConfig: {mode: required, trustStoreConfig: {trustStoreId: ts1}}
                    origins:
                      - {id: app, url: "h2c://127.0.0.1:%2$d"}
                    defaultCacheBehavior: {targetOriginId: app}
                    connectionFunctionAssociation: {id: revocation-check}
                trustStores:
                  - {id: ts1, caCertificatesBundle: %1$s/bundle.pem}
                keyValueStores:
                  - {name: revoked-serials, importSource: %1$s/revoked.json}
                connectionFunctions:
                  - {name: revocation-check, code: %1$s/revocation.js, keyValueStoreAssociations: [revoked-serials]}
                fleet:
                  etcd: {endpoints: ["%3$s"], prefix: "%4$s"}
                  nodeName: NODE
                """.formatted(dir.toAbsolutePath(), originPort, etcd, prefix);
    }
}
