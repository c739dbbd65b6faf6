package dev.portcullis.proxy.e2e;

import dev.portcullis.config.ConfigLoader;
import dev.portcullis.config.EdgeConfig;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.proxy.EdgeNode;
import dev.portcullis.proxy.demo.EchoOrigin;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real node on an ephemeral port in front of a real echo origin, configured by YAML exactly as a
 * user would write it, plus helpers that drive it with the real curl and openssl binaries.
 */
final class EdgeFixture implements AutoCloseable {
    final TestPki pki;
    final EchoOrigin origin;
    final EdgeNode node;

    private EdgeFixture(TestPki pki, EchoOrigin origin, EdgeNode node) {
        this.pki = pki;
        this.origin = origin;
        this.node = node;
    }

    /** {@code distributionsYaml} may use ORIGIN for the echo origin's port. */
    static EdgeFixture start(TestPki pki, String distributionsYaml, String extraYaml) throws Exception {
        return start(pki, distributionsYaml, extraYaml, "");
    }

    /** As above, with {@code serverYaml} (lines indented by two spaces) added to the server section. */
    static EdgeFixture start(TestPki pki, String distributionsYaml, String extraYaml, String serverYaml) throws Exception {
        EchoOrigin origin = EchoOrigin.start(new InetSocketAddress("127.0.0.1", 0));
        try {
            String yaml = """
                    server:
                      listen: 127.0.0.1:0
                      admin: 127.0.0.1:0
                      drainTimeout: 2s
                      handshakeTimeout: 2s
                    %s
                    distributions:
                    %s
                    %s
                    %s
                    """.formatted(serverYaml.stripTrailing(), distributionsYaml.replace("ORIGIN", Integer.toString(origin.port())),
                    // a test that lists its own trust stores replaces the default one
                    extraYaml.contains("trustStores:") ? "" : "trustStores:\n  - {id: ts1, caCertificatesBundle: bundle.pem}",
                    extraYaml);
            Path file = pki.dir.resolve("edge.yaml");
            IssuedCertificate.writeString(file, yaml);
            EdgeConfig config = ConfigLoader.load(file);
            return new EdgeFixture(pki, origin, EdgeNode.start(config));
        } catch (Exception e) {
            origin.close();
            throw e;
        }
    }

    /** One distribution for localhost with the given mode (and trust store options). */
    static String distribution(String id, String domains, String mtls, String originUrl) {
        return """
                  - id: %s
                    domainNames: [%s]
                    viewerCertificate: {certificate: server.pem, privateKey: server.key}
                    viewerMtlsConfig: %s
                    origins:
                      - {id: app, url: "%s", connectTimeout: 2s, responseTimeout: 2s}
                    defaultCacheBehavior: {targetOriginId: app}
                """.formatted(id, domains, mtls, originUrl);
    }

    static String required() {
        return "{mode: required, trustStoreConfig: {trustStoreId: ts1}}";
    }

    String url(String path) {
        return "https://localhost:" + node.port() + path;
    }

    /** curl with our CA, resolving localhost and other.test to 127.0.0.1. */
    List<String> curl(String client, String... more) {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30",
                "--cacert", pki.path("root.pem"),
                "--resolve", "other.test:" + node.port() + ":127.0.0.1",
                "--resolve", "localhost:" + node.port() + ":127.0.0.1"));
        if (client != null) {
            cmd.addAll(List.of("--cert", pki.path(client + "-chain.pem"), "--key", pki.path(client + ".key")));
        }
        cmd.addAll(List.of(more));
        return cmd;
    }

    Proc get(String client, String path, String... more) {
        List<String> cmd = curl(client, more);
        cmd.add(url(path));
        return Proc.run(cmd);
    }

    /** openssl s_client against the node; {@code client} null sends no certificate. */
    Proc sClient(String client, String... more) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + node.port(),
                "-servername", "localhost", "-CAfile", pki.path("root.pem"), "-ign_eof"));
        if (client != null) {
            cmd.addAll(List.of("-cert", pki.path(client + ".pem"), "-key", pki.path(client + ".key"),
                    "-cert_chain", pki.path(client + "-chain.pem")));
        }
        cmd.addAll(List.of(more));
        return Proc.run(cmd, "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes());
    }

    /** curl to the plain admin listener; stdout ends with a line holding the HTTP status. */
    Proc admin(String method, String path) {
        return Proc.run(List.of("curl", "-sS", "-X", method, "-w", "\n%{http_code}",
                "http://127.0.0.1:" + node.adminAddress().orElseThrow().getPort() + path));
    }

    Proc openssl(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        return Proc.run(cmd);
    }

    /** The value of the first metric line matching {@code pattern} (a regex of name and labels), or 0. */
    double metric(String pattern) {
        return metric(node, pattern, 0);
    }

    /** As above for any node; {@code absent} when no line matches (NaN where a missing gauge must not pass for 0). */
    static double metric(EdgeNode node, String pattern, double absent) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + pattern + " (\\S+)$").matcher(node.metrics().scrape());
        return m.find() ? Double.parseDouble(m.group(1)) : absent;
    }

    @Override
    public void close() {
        node.close();
        origin.close();
    }
}
