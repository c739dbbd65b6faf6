package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void loadsEveryPartOfTheSampleConfiguration() throws Exception {
        ConfigFixture.withFiles(dir);
        Path file = Files.writeString(dir.resolve("portcullis.yaml"), ConfigFixture.SAMPLE);

        EdgeConfig config = ConfigLoader.load(file);

        assertThat(config.source()).isEqualTo(file.toAbsolutePath());
        assertThat(config.server()).isEqualTo(new ServerConfig(
                new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 8443),
                Optional.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9901)),
                Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofMinutes(2), 4, 1000,
                new ViewerLimits(Duration.ofSeconds(5), Duration.ofSeconds(20), 200, 20, true),
                dir.resolve("data"), false, Optional.empty()));

        Distribution d = config.distributions().get(0);
        assertThat(d.id()).isEqualTo("EDEMO1");
        assertThat(d.domainNames()).containsExactly("localhost", "api.example.test", "*.wild.example.test");
        assertThat(d.viewerCertificate()).isEqualTo(
                new ViewerCertificate(dir.resolve("pki/server.pem"), dir.resolve("pki/server.key")));
        assertThat(d.viewerMtlsConfig()).isEqualTo(new ViewerMtlsConfig(MtlsMode.REQUIRED,
                Optional.of(new TrustStoreAssociation("ts1", true, false))));
        assertThat(d.connectionFunctionId()).contains("revocation-check");
        assertThat(d.origins()).containsExactly(
                new Origin("app", URI.create("h2c://127.0.0.1:9000"), OriginProtocol.H2C, "127.0.0.1", 9000,
                        Duration.ofSeconds(2), Duration.ofSeconds(45), Optional.empty(), Optional.empty()),
                new Origin("legacy", URI.create("http://[::1]"), OriginProtocol.HTTP1, "::1", 80,
                        Duration.ofSeconds(5), Duration.ofSeconds(30), Optional.empty(), Optional.empty()),
                new Origin("secure", URI.create("https://origin.example.test:8443/"), OriginProtocol.HTTPS,
                        "origin.example.test", 8443, Duration.ofSeconds(5), Duration.ofSeconds(30),
                        Optional.of(dir.resolve("pki/origin-ca.pem")), Optional.of("backend.internal")));
        assertThat(d.defaultCacheBehavior()).isEqualTo(new CacheBehavior("*", "app"));
        assertThat(d.cacheBehaviors()).containsExactly(
                new CacheBehavior("/api/*", "secure"), new CacheBehavior("old/*.php", "legacy",
                        new FunctionAssociations(Optional.of("admin-only"), Optional.empty())));
        assertThat(d.originRequestPolicy()).isEqualTo(new OriginRequestPolicy(
                List.of("CloudFront-Viewer-Cert-Serial-Number", "CloudFront-Viewer-Cert-Sha256"), false));
        assertThat(d.connectionIdHeader()).contains("X-Connection-Id");

        assertThat(config.trustStores()).containsExactly(
                new TrustStoreConfig("ts1", dir.resolve("pki/Trust_store_bundle.pem")));
        assertThat(config.keyValueStores()).containsExactly(
                new KeyValueStoreConfig("revoked-serials", dir.resolve("kvs/revoked.json")));
        assertThat(config.connectionFunctions()).containsExactly(new ConnectionFunctionConfig("revocation-check",
                dir.resolve("functions/revocation.js"), List.of("revoked-serials"), Duration.ofMillis(20), 4L << 20));
        assertThat(config.logging()).isEqualTo(new LoggingConfig(
                Optional.of(new LogConfig("logs/connection.log", Optional.of(dir.resolve("logs/connection.log")),
                        LogFormat.JSON, 0, Optional.empty(), 10)),
                Optional.of(new LogConfig("stdout", Optional.empty(), LogFormat.W3C, 0, Optional.empty(), 10))));

        assertThat(config.trustStore("ts1")).contains(config.trustStores().get(0));
        assertThat(config.trustStore("ts2")).isEmpty();
        assertThat(config.keyValueStore("revoked-serials")).contains(config.keyValueStores().get(0));
        assertThat(config.connectionFunction("revocation-check")).contains(config.connectionFunctions().get(0));
        assertThat(config.connectionFunction("nope")).isEmpty();
        assertThat(d.origin("secure").port()).isEqualTo(8443);
        assertThatThrownBy(() -> d.origin("missing")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void appliesDefaultsToAMinimalConfiguration() throws Exception {
        ConfigFixture.withFiles(dir);
        EdgeConfig config = ConfigLoader.parse("""
                server: {listen: "127.0.0.1:0"}
                distributions:
                  - id: E1
                    domainNames: [localhost]
                    viewerCertificate: {certificate: pki/server.pem, privateKey: pki/server.key}
                    viewerMtlsConfig: {trustStoreConfig: {trustStoreId: ts1}}
                    origins: [{id: app, url: "https://app.example.test"}]
                    defaultCacheBehavior: {targetOriginId: app}
                trustStores: [{id: ts1, caCertificatesBundle: pki/Trust_store_bundle.pem}]
                connectionFunctions: [{name: f, code: functions/revocation.js}]
                logging: {accessLogs: {destination: logs/access.log}}
                """, dir);

        assertThat(config.source()).isEqualTo(dir.toAbsolutePath());
        ServerConfig server = config.server();
        assertThat(server.listen().getPort()).isZero();
        assertThat(server.admin()).isEmpty();
        assertThat(List.of(server.handshakeTimeout(), server.drainTimeout(), server.idleTimeout()))
                .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(60));
        assertThat(server.handshakeThreads()).isZero();
        // Every limit has a default: a config that says nothing is still bounded.
        assertThat(server.maxConnections()).isEqualTo(50_000);
        assertThat(server.limits()).isEqualTo(new ViewerLimits(Duration.ofSeconds(10), Duration.ofSeconds(30),
                1000, 256, false));

        Distribution d = config.distributions().get(0);
        assertThat(d.viewerMtlsConfig()).isEqualTo(new ViewerMtlsConfig(MtlsMode.REQUIRED,
                Optional.of(new TrustStoreAssociation("ts1", false, false))));
        assertThat(d.connectionFunctionId()).isEmpty();
        assertThat(d.cacheBehaviors()).isEmpty();
        assertThat(d.connectionIdHeader()).isEmpty();
        assertThat(d.originRequestPolicy()).isEqualTo(OriginRequestPolicy.defaultFor(MtlsMode.REQUIRED));
        assertThat(d.originRequestPolicy().defaultPolicy()).isTrue();
        Origin origin = d.origin("app");
        assertThat(origin.protocol()).isEqualTo(OriginProtocol.HTTPS);
        assertThat(origin.port()).isEqualTo(443);
        assertThat(origin.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(origin.responseTimeout()).isEqualTo(Duration.ofSeconds(30));

        ConnectionFunctionConfig function = config.connectionFunctions().get(0);
        assertThat(function.timeout()).isEqualTo(Duration.ofMillis(5));
        assertThat(function.maxMemoryBytes()).isEqualTo(2L * 1024 * 1024);
        assertThat(function.keyValueStoreAssociations()).isEmpty();
        assertThat(config.logging().connectionLogs()).isEmpty();
        LogConfig access = config.logging().accessLogs().orElseThrow();
        assertThat(access.format()).isEqualTo(LogFormat.JSON);
        assertThat(access.rotateSizeBytes()).isZero();
        assertThat(access.maxFiles()).isEqualTo(10);
    }

    @Test
    void readsJsonWithTabIndentation() throws Exception {
        ConfigFixture.withFiles(dir);
        String json = """
                {
                \t"server": {"listen": "[::1]:8443", "idleTimeout": "30s"},
                \t"distributions": [{
                \t\t"id": "EJSON",
                \t\t"domainNames": ["json.example.test"],
                \t\t"viewerCertificate": {"certificate": "pki/server.pem", "privateKey": "pki/server.key"},
                \t\t"viewerMtlsConfig": {"mode": "passthrough"},
                \t\t"origins": [{"id": "app", "url": "http://127.0.0.1:9000"}],
                \t\t"defaultCacheBehavior": {"targetOriginId": "app"}
                \t}],
                \t"logging": {"connectionLogs": {"destination": "logs/c.log", "rotateSize": "100MB",
                \t\t"rotateInterval": "1d", "maxFiles": 3}}
                }
                """;
        Path file = Files.writeString(dir.resolve("portcullis.json"), json);

        EdgeConfig config = ConfigLoader.load(file);

        assertThat(config.server().listen()).isEqualTo(new InetSocketAddress(InetAddress.getByName("::1"), 8443));
        assertThat(config.server().idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        Distribution d = config.distributions().get(0);
        assertThat(d.viewerMtlsConfig()).isEqualTo(new ViewerMtlsConfig(MtlsMode.PASSTHROUGH, Optional.empty()));
        assertThat(d.originRequestPolicy().forwards("client-cert-chain")).isTrue();
        assertThat(d.originRequestPolicy().forwards("CloudFront-Viewer-Cert-Pem")).isTrue();
        LogConfig log = config.logging().connectionLogs().orElseThrow();
        assertThat(log.rotateSizeBytes()).isEqualTo(100L << 20);
        assertThat(log.rotateInterval()).contains(Duration.ofDays(1));
        assertThat(log.maxFiles()).isEqualTo(3);
        // The same JSON given as text (no .json name) is recognised by its opening brace.
        assertThat(ConfigLoader.parse(json, dir).distributions()).isEqualTo(config.distributions());
    }

    @Test
    void resolvesRelativePathsAgainstTheConfigFilesFolder() throws Exception {
        Path confDir = Files.createDirectories(dir.resolve("etc/portcullis"));
        ConfigFixture.withFiles(dir);
        Path absoluteKey = dir.resolve("pki/server.key").toAbsolutePath();
        String yaml = ConfigFixture.edit(ConfigFixture.SAMPLE, "pki/server.pem", "../../pki/./server.pem");
        yaml = ConfigFixture.edit(yaml, "privateKey: pki/server.key", "privateKey: " + absoluteKey);
        yaml = yaml.replace(" pki/", " ../../pki/").replace(" kvs/", " ../../kvs/").replace(" functions/", " ../../functions/");
        Path file = Files.writeString(confDir.resolve("edge.yaml"), yaml);

        // Loaded from another working directory: only the file's folder matters.
        EdgeConfig config = ConfigLoader.load(file);

        ViewerCertificate certificate = config.distributions().get(0).viewerCertificate();
        assertThat(certificate.certificate()).isEqualTo(dir.resolve("pki/server.pem").toAbsolutePath());
        assertThat(certificate.privateKey()).isEqualTo(absoluteKey);
        assertThat(config.trustStores().get(0).caCertificatesBundle()).isEqualTo(dir.resolve("pki/Trust_store_bundle.pem"));
        assertThat(config.logging().connectionLogs().orElseThrow().file())
                .contains(confDir.resolve("logs/connection.log"));
    }

    @Test
    void anAdminOffLoopbackWithoutAdminTlsIsRefusedNamingTheKey() throws Exception {
        ConfigFixture.withFiles(dir);
        String yaml = ConfigFixture.edit(ConfigFixture.SAMPLE, "admin: 127.0.0.1:9901", "admin: 0.0.0.0:9901");
        Path file = Files.writeString(dir.resolve("open-admin.yaml"), yaml);

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString()
                        .startsWith("server.adminTls: is required because server.admin (0.0.0.0) is not a loopback address"));
    }

    @Test
    void stateAndRecheckSettingsAreRead() throws Exception {
        ConfigFixture.withFiles(dir);
        String yaml = ConfigFixture.edit(ConfigFixture.SAMPLE, "admin: 127.0.0.1:9901",
                "admin: 127.0.0.1:9901\n  dataDir: state/kvs\n  watchConfig: true");
        yaml = ConfigFixture.edit(yaml, "mode: required", "mode: required\n      reevaluateEstablishedConnections: false");
        EdgeConfig config = ConfigLoader.load(Files.writeString(dir.resolve("state.yaml"), yaml));

        assertThat(config.server().dataDir()).isEqualTo(dir.resolve("state/kvs"));
        assertThat(config.server().watchConfig()).isTrue();
        assertThat(config.distributions().get(0).viewerMtlsConfig().reevaluateEstablishedConnections()).isFalse();
    }

    @Test
    void aMissingFileIsOneProblemNamingTheFile() {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ConfigLoader.load(missing))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems()).containsExactly("cannot read the file: no such file");
                    assertThat(e.getMessage()).startsWith(missing.toAbsolutePath() + ": 1 problem");
                });
    }

    @Test
    void theMessageListsEveryProblemUnderTheFileName() throws Exception {
        ConfigFixture.withFiles(dir);
        String yaml = ConfigFixture.edit(ConfigFixture.SAMPLE, "maxConnections: 1000", "maxConnections: -1");
        yaml = ConfigFixture.edit(yaml, "trustStoreId: ts1", "trustStoreId: ts9");
        Path file = Files.writeString(dir.resolve("bad.yaml"), yaml);

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.source()).isEqualTo(file);
                    assertThat(e.getMessage().lines().toList()).containsExactly(
                            file + ": 2 problems in the configuration",
                            "  server.maxConnections: must be at least 0, got -1",
                            "  distributions[0].viewerMtlsConfig.trustStoreConfig.trustStoreId:"
                                    + " unknown trust store 'ts9' (known: ts1)");
                });
    }
}
