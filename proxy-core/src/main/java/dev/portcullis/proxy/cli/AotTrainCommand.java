package dev.portcullis.proxy.cli;

import dev.portcullis.config.EdgeConfig;
import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.proxy.EdgeNode;
import dev.portcullis.proxy.demo.EchoOrigin;
import dev.portcullis.proxy.fleetbench.HandshakeProbe;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;

/**
 * The training run of the JVM's AOT cache (bin/jvm-opts.sh, {@code portcullis_aot_train}): what
 * {@code run} does up to its first answered request, on a throwaway PKI, an echo origin and a config
 * without functions, then a clean stop. The JVM records the classes it loads and links (JDK 25,
 * {@code -XX:AOTCacheOutput}), so that a node without functions starts from them instead of from its
 * jars (docs/benchmarks.md, "Start to listening"). Hidden: launchers call it, people need not.
 */
@Command(name = "aot-train", hidden = true, description = "The AOT cache's training run (bin/jvm-opts.sh).")
final class AotTrainCommand implements Callable<Integer> {
    private static final String HOST = "localhost";

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("portcullis-aot-train-");
        try (EchoOrigin origin = EchoOrigin.start(new InetSocketAddress("127.0.0.1", 0))) {
            IssuedCertificate root = CertificateSpec.ca("CN=Portcullis AOT training root").selfSigned();
            IssuedCertificate server = CertificateSpec.server("CN=" + HOST, HOST).ipAddress("127.0.0.1").signedBy(root);
            IssuedCertificate client = CertificateSpec.client("CN=aot-training-client").signedBy(root);
            server.write(dir.resolve("server.pem"), dir.resolve("server.key"));
            IssuedCertificate.writeString(dir.resolve("ca.pem"), root.certificatePem());
            Path file = Files.writeString(dir.resolve("edge.yaml"), """
                    server:
                      listen: 127.0.0.1:0
                      dataDir: data
                      drainTimeout: 1s
                    distributions:
                      - id: ETRAIN
                        domainNames: [%s]
                        viewerCertificate: {certificate: server.pem, privateKey: server.key}
                        viewerMtlsConfig:
                          mode: required
                          trustStoreConfig: {trustStoreId: training-ca}
                        origins:
                          - {id: echo, url: "h2c://127.0.0.1:%d"}
                        defaultCacheBehavior: {targetOriginId: echo}
                    trustStores:
                      - {id: training-ca, caCertificatesBundle: ca.pem}
                    """.formatted(HOST, origin.port()));
            Optional<EdgeConfig> config = ConfigFiles.load(file);
            if (config.isEmpty()) {
                return 2;
            }
            try (EdgeNode node = EdgeNode.start(config.get())) {
                if (!new HandshakeProbe(client, List.of(client.certificate()), root.certificate()).allowed(node.port())) {
                    System.err.println("portcullis aot-train: the training request was not answered with 200");
                    return 1;
                }
            }
            return 0;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
