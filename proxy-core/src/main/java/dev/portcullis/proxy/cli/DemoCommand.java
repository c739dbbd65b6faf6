package dev.portcullis.proxy.cli;

import dev.portcullis.config.ConfigException;
import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.EdgeConfig;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.proxy.demo.DemoPki;
import dev.portcullis.proxy.demo.EchoOrigin;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Make a demo PKI, start an echo origin and the edge in required mode, and print curl commands to try.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "Where to write the PKI and edge.yaml (default: a new temporary folder).")
    Path dir;

    @Option(names = "--port", defaultValue = "8443", description = "HTTPS port of the edge (default: ${DEFAULT-VALUE}).")
    int port;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Path folder = dir != null ? dir : Files.createTempDirectory("portcullis-demo-");
        Files.createDirectories(folder);
        DemoPki.Serials serials = DemoPki.writeTo(folder);
        String revokedSerial = serials.revokedClient();
        // The blog's revocation function, verbatim, and a KeyValueStore that already lists one client.
        try (var in = DemoCommand.class.getResourceAsStream("/dev/portcullis/proxy/demo/revocation.js")) {
            IssuedCertificate.writeString(folder.resolve("revocation.js"), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
        IssuedCertificate.writeString(folder.resolve("kvs/revoked-serials.json"),
                "{\"data\":[{\"key\":\"" + revokedSerial + "\",\"value\":\"revoked by the demo\"}]}\n");
        Files.createDirectories(folder.resolve("logs"));
        int adminPort = freePortFrom(9901);
        try (EchoOrigin origin = EchoOrigin.start(new InetSocketAddress("127.0.0.1", 0))) {
            Path configFile = folder.resolve("edge.yaml");
            IssuedCertificate.writeString(configFile, config(port, origin.port(), adminPort));
            EdgeConfig config;
            try {
                config = ConfigLoader.load(configFile);
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return 2;
            }
            return NodeRunner.run(config, () -> System.out.println(instructions(folder, port, adminPort, origin.port(), serials.client())));
        }
    }

    /** 9901, or the next port up that is free on loopback (the admin listener's). */
    static int freePortFrom(int first) {
        for (int port = first; port < first + 100; port++) {
            try (java.net.ServerSocket probe = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // try the next one
            }
        }
        return 0;
    }

    static String config(int port, int originPort, int adminPort) {
        return """
                # Written by `portcullis demo`. Run it again with:
                #   bin/portcullis echo-origin --listen 127.0.0.1:%2$d &
                #   bin/portcullis run --config edge.yaml
                server:
                  listen: 127.0.0.1:%1$d
                  admin: 127.0.0.1:%3$d
                distributions:
                  - id: EDEMO1
                    domainNames: [localhost]
                    viewerCertificate: {certificate: server.pem, privateKey: server.key}
                    viewerMtlsConfig:
                      mode: required
                      trustStoreConfig: {trustStoreId: demo-ca, advertiseTrustStoreCaNames: true}
                    origins:
                      - {id: echo, url: "h2c://127.0.0.1:%2$d"}
                    defaultCacheBehavior: {targetOriginId: echo}
                    connectionFunctionAssociation: {id: revocation-check}
                trustStores:
                  - {id: demo-ca, caCertificatesBundle: Trust_store_bundle.pem}
                keyValueStores:
                  - {name: revoked-serials, importSource: kvs/revoked-serials.json}
                connectionFunctions:
                  - {name: revocation-check, code: revocation.js, keyValueStoreAssociations: [revoked-serials]}
                logging:
                  connectionLogs: {destination: logs/connection.log, format: json}
                  accessLogs: {destination: logs/access.log, format: json}
                """.formatted(port, originPort, adminPort);
    }

    static String instructions(Path dir, int port, int adminPort, int originPort, String clientSerial) {
        String d = dir.toAbsolutePath().toString();
        String url = "https://localhost:" + port + "/";
        return """

                Portcullis demo is running on %s (mode: required). Files are in %s
                The origin echoes what it received, including the CloudFront-Viewer-Cert-* headers.

                  # 200, with your certificate's headers echoed back:
                  curl --cacert %s/ca.pem --cert %s/client.pem --key %s/client.key %s

                  # refused in the TLS handshake: no client certificate (alert certificate_required)
                  curl --cacert %s/ca.pem %s

                  # refused: expired certificate (alert certificate_expired)
                  curl --cacert %s/ca.pem --cert %s/expired-client.pem --key %s/expired-client.key %s

                  # refused: certificate from a CA the trust store does not hold (alert unknown_ca)
                  curl --cacert %s/ca.pem --cert %s/untrusted-client.pem --key %s/untrusted-client.key %s

                  # refused by the connection function: its serial is in the revoked-serials KeyValueStore
                  curl --cacert %s/ca.pem --cert %s/revoked-client.pem --key %s/revoked-client.key %s
                  #   the connection log says why (connectionStatus and the function's custom data):
                  grep revoked-client %s/logs/connection.log

                  # revoke client.pem live through the KeyValueStore API: no restart, and its open connections close too
                  bin/portcullis kvs put --store revoked-serials --admin http://127.0.0.1:%d --key %s --value revoked-live
                  # refused now: the next handshake of client.pem (ConnectionFunctionDenied)
                  curl --cacert %s/ca.pem --cert %s/client.pem --key %s/client.key %s

                Metrics and health: http://127.0.0.1:%d/metrics and /healthz. Logs: %s/logs/
                To run this again without the demo: bin/portcullis echo-origin --listen 127.0.0.1:%d &
                and bin/portcullis run --config %s/edge.yaml

                Press Ctrl-C to stop.
                """.formatted(url, d, d, d, d, url, d, url, d, d, d, url, d, d, d, url, d, d, d, url, d,
                        adminPort, clientSerial, d, d, d, url, adminPort, d, originPort, d);
    }
}
