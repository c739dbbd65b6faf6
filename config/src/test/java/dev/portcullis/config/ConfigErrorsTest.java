package dev.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each kind of mistake, made once in the otherwise valid sample: exactly one problem, at its key path. */
class ConfigErrorsTest {
    private static final String D0 = "distributions[0].";

    @TempDir
    Path dir;

    @BeforeEach
    void files() {
        ConfigFixture.withFiles(dir);
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                // required keys and types
                mistake("  listen: 0.0.0.0:8443\n", "",
                        "server.listen: is required (host:port, as in 0.0.0.0:8443)"),
                mistake("maxConnections: 1000", "maxConnections: lots",
                        "server.maxConnections: expected a whole number, got the string 'lots'"),
                mistake("handshakeThreads: 4", "handshakeThreads: [4]",
                        "server.handshakeThreads: expected a whole number, got a list"),
                mistake("- id: EDEMO1", "- id: 123",
                        D0 + "id: expected a string (quote the value), got the number 123"),
                mistake("advertiseTrustStoreCaNames: true", "advertiseTrustStoreCaNames: \"yes please\"",
                        D0 + "viewerMtlsConfig.trustStoreConfig.advertiseTrustStoreCaNames:"
                                + " expected a boolean (true or false), got the string 'yes please'"),
                mistake("defaultCacheBehavior: {targetOriginId: app}", "defaultCacheBehavior: app",
                        D0 + "defaultCacheBehavior: expected a mapping, got the string 'app'"),
                mistake("defaultCacheBehavior: {targetOriginId: app}", "defaultCacheBehavior: {}",
                        D0 + "defaultCacheBehavior.targetOriginId: is required (an origin id)"),
                // unknown keys
                mistake("idleTimeout: 2m", "idleTimeOut: 2m",
                        "server.idleTimeOut: unknown key (did you mean 'idleTimeout'?)"),
                mistake("connectionIdHeader: X-Connection-Id", "conectionIdHeader: X-Connection-Id",
                        D0 + "conectionIdHeader: unknown key (did you mean 'connectionIdHeader'?)"),
                mistake("logging:", "colour: blue\nlogging:",
                        "colour: unknown key (known keys: server, distributions, trustStores, keyValueStores,"
                                + " connectionFunctions, functions, logging, fleet)"),
                // durations, sizes, numbers
                mistake("handshakeTimeout: 10s", "handshakeTimeout: 10sec",
                        "server.handshakeTimeout: '10sec' is not a duration (use 250ms, 10s, 2m, 1h or 1d)"),
                mistake("handshakeTimeout: 10s", "handshakeTimeout: 10",
                        "server.handshakeTimeout: expected a duration (250ms, 10s, 2m, 1h or 1d), got the number 10"),
                mistake("drainTimeout: 15s", "drainTimeout: 0s", "server.drainTimeout: must be positive, got 0s"),
                mistake("maxMemory: 4MB", "maxMemory: 4XB",
                        "connectionFunctions[0].maxMemory: '4XB' is not a size (use 512KB, 2MB or 1GB)"),
                mistake("timeout: 20ms", "timeout: 99999999999999999999d",
                        "connectionFunctions[0].timeout: '99999999999999999999d' is too large"),
                // addresses
                mistake("listen: 0.0.0.0:8443", "listen: 0.0.0.0:70000",
                        "server.listen: '0.0.0.0:70000': port must be a number from 0 to 65535"),
                mistake("listen: 0.0.0.0:8443", "listen: \"::1:8443\"",
                        "server.listen: '::1:8443': put an IPv6 address in brackets, as in [::1]:8443"),
                mistake("listen: 0.0.0.0:8443", "listen: \"8443\"", "server.listen: '8443' is not host:port"),
                mistake("admin: 127.0.0.1:9901", "admin: 127.0.0.1:65536",
                        "server.admin: '127.0.0.1:65536': port must be a number from 0 to 65535"),
                mistake("admin: 127.0.0.1:9901", "admin: 127.0.0.1:8443",
                        "server.admin: uses the same port as server.listen"),
                // unique ids
                mistake("      - {id: secure,", "      - {id: app, url: \"http://127.0.0.1:1\"}\n      - {id: secure,",
                        D0 + "origins[2].id: duplicate origin id 'app' (first used at distributions[0].origins[0].id)"),
                // revocation settings of a trust store
                mistake("trustStores:\n", "trustStores:\n  - {id: ts9, caCertificatesBundle: pki/server.pem, ocsp: {undetermined: maybe}}\n",
                        "trustStores[0].ocsp.undetermined: unknown undetermined policy 'maybe' (expected deny, allow)"),
                mistake("trustStores:\n", "trustStores:\n  - {id: ts9, caCertificatesBundle: pki/server.pem, ocsp: {timeout: 30s}}\n",
                        "trustStores[0].ocsp.timeout: at most 10s: a handshake waits this long for a responder"),
                mistake("trustStores:\n", "trustStores:\n  - {id: ts9, caCertificatesBundle: pki/server.pem, ocsp: {cachTtl: 1m}}\n",
                        "trustStores[0].ocsp.cachTtl: unknown key (did you mean 'cacheTtl'?)"),
                mistake("trustStores:\n", "trustStores:\n  - {id: ts9, caCertificatesBundle: pki/server.pem,"
                                + " ocsp: {responderUrl: \"ftp://ocsp.example\"}}\n",
                        "trustStores[0].ocsp.responderUrl: 'ftp://ocsp.example' is not an http or https url with a host,"
                                + " as in http://ocsp.example.com/"),
                mistake("trustStores:\n", "trustStores:\n  - {id: ts9, caCertificatesBundle: pki/server.pem,"
                                + " requireCrlForEveryIssuer: true}\n",
                        "trustStores[0].requireCrlForEveryIssuer: is true but crls lists no CRL: every client would be"
                                + " refused as ClientCertRevocationUnknown"),
                mistake("trustStores:\n", "trustStores:\n  - {id: ts9, caCertificatesBundle: pki/server.pem,"
                                + " useClientCertificateOcspEndpoint: true, ocsp: {timeout: 10s}}\n",
                        "trustStores[0]: ocsp.timeout 10000ms does not fit in server.handshakeTimeout 10000ms (a handshake"
                                + " waits for a responder until 250 ms before its own timeout): lower it or raise the"
                                + " handshake timeout"),
                mistake("trustStores:\n", "trustStores:\n  - {id: ts9, caCertificatesBundle: pki/server.pem, crls: [pki/missing.crl]}\n",
                        "trustStores[0].crls[0]: file not found: DIR/pki/missing.crl"),
                mistake("trustStores:\n", "trustStores:\n  - {id: ts1, caCertificatesBundle: pki/server.pem}\n",
                        "trustStores[1].id: duplicate trust store id 'ts1' (first used at trustStores[0].id)"),
                mistake("keyValueStores:\n", "keyValueStores:\n  - {name: revoked-serials, importSource: kvs/revoked.json}\n",
                        "keyValueStores[1].name: duplicate key value store name 'revoked-serials'"
                                + " (first used at keyValueStores[0].name)"),
                mistake("connectionFunctions:\n", "connectionFunctions:\n  - {name: revocation-check, code: functions/revocation.js}\n",
                        "connectionFunctions[1].name: duplicate connection function name 'revocation-check'"
                                + " (first used at connectionFunctions[0].name)"),
                mistake("- id: EDEMO1", "- id: \"bad id\"",
                        D0 + "id: 'bad id' is not a valid distribution id (letters, digits, '.', '_' and '-',"
                                + " starting with a letter or digit, at most 128)"),
                // references
                mistake("trustStoreId: ts1", "trustStoreId: ts9",
                        D0 + "viewerMtlsConfig.trustStoreConfig.trustStoreId: unknown trust store 'ts9' (known: ts1)"),
                mistake("defaultCacheBehavior: {targetOriginId: app}", "defaultCacheBehavior: {targetOriginId: ap}",
                        D0 + "defaultCacheBehavior.targetOriginId: unknown origin 'ap' (known: app, legacy, secure)"),
                mistake("targetOriginId: secure}", "targetOriginId: vault}",
                        D0 + "cacheBehaviors[0].targetOriginId: unknown origin 'vault' (known: app, legacy, secure)"),
                mistake("{id: revocation-check}", "{id: revocation}",
                        D0 + "connectionFunctionAssociation.id: unknown connection function 'revocation'"
                                + " (known: revocation-check)"),
                // CloudFront Functions and their associations
                mistake("functionName: admin-only}]", "functionName: admin-onyl}]",
                        D0 + "cacheBehaviors[1].functionAssociations[0].functionName: unknown function 'admin-onyl'"
                                + " (known: admin-only)"),
                mistake("functionName: admin-only}]", "functionName: revocation-check}]",
                        D0 + "cacheBehaviors[1].functionAssociations[0].functionName: 'revocation-check' is a connection"
                                + " function (connectionFunctions), which runs at the handshake; associate it with"
                                + " connectionFunctionAssociation, or list a function under functions"),
                mistake("{eventType: viewer-request, functionName: admin-only}]",
                        "{eventType: viewer-request, functionName: admin-only}, {eventType: viewer-request, functionName: admin-only}]",
                        D0 + "cacheBehaviors[1].functionAssociations[1].eventType: a second viewer-request function (the first"
                                + " is at " + D0 + "cacheBehaviors[1].functionAssociations[0].eventType); a behavior has at"
                                + " most one per event type"),
                mistake("eventType: viewer-request", "eventType: origin-request",
                        D0 + "cacheBehaviors[1].functionAssociations[0].eventType: 'origin-request' is not an event type a"
                                + " CloudFront Function runs at (viewer-request, viewer-response; origin events are Lambda@Edge's)"),
                mistake("{name: admin-only,", "{name: revocation-check,",
                        "functions[0].name: 'revocation-check' is already a connection function (connectionFunctions);"
                                + " a function has one name",
                        D0 + "cacheBehaviors[1].functionAssociations[0].functionName: unknown function 'admin-only'"
                                + " (known: revocation-check)"),
                mistake("[revoked-serials]", "[revoked]",
                        "connectionFunctions[0].keyValueStoreAssociations[0]: unknown key value store 'revoked'"
                                + " (known: revoked-serials)"),
                mistake("[revoked-serials]", "[revoked-serials, revoked-serials]",
                        "connectionFunctions[0].keyValueStoreAssociations: at most one key value store per function"
                                + " (CloudFront's limit), got 2"),
                // mTLS modes never turn checks off by mistake
                mistake("      trustStoreConfig: {trustStoreId: ts1, advertiseTrustStoreCaNames: true, ignoreCertificateExpiry: false}\n", "",
                        D0 + "viewerMtlsConfig.trustStoreConfig: is required in mode 'required': without a trust store"
                                + " no client certificate can be verified, and a configuration mistake must never turn"
                                + " mTLS off (mode 'passthrough' is the explicit way to forward certificates unchecked)"),
                mistake("mode: required", "mode: passthrough",
                        D0 + "viewerMtlsConfig.trustStoreConfig: must not be set in mode 'passthrough', which checks no"
                                + " certificate against a trust store; remove it, or use mode 'required' or 'optional'"
                                + " to verify certificates"),
                mistake("mode: required", "mode: Required",
                        D0 + "viewerMtlsConfig.mode: unknown mode 'Required' (expected required, optional, passthrough)"),
                mistake("    viewerMtlsConfig:\n      mode: required\n", "    viewerMtls:\n      mode: required\n",
                        D0 + "viewerMtls: unknown key (did you mean 'viewerMtlsConfig'?)",
                        D0 + "viewerMtlsConfig: is required (a mapping)"),
                // domain names
                mistake("domainNames: [localhost, api.example.test, \"*.Wild.Example.Test\"]", "domainNames: []",
                        D0 + "domainNames: must list at least one entry"),
                mistake("api.example.test,", "api_example.test,",
                        D0 + "domainNames[1]: 'api_example.test' is not a valid DNS name (labels of letters, digits"
                                + " and inner hyphens, 1 to 63 characters, separated by single dots)"),
                mistake("\"*.Wild.Example.Test\"", "\"api.*.example.test\"",
                        D0 + "domainNames[2]: 'api.*.example.test': a wildcard must be the whole first label, as in"
                                + " *.example.com"),
                mistake("\"*.Wild.Example.Test\"", "API.example.test",
                        D0 + "domainNames[2]: 'api.example.test' is already claimed at distributions[0].domainNames[1]"
                                + " (a name belongs to one distribution)"),
                // origins
                mistake("h2c://127.0.0.1:9000", "ftp://127.0.0.1:9000",
                        D0 + "origins[0].url: unsupported scheme 'ftp' (expected h2c, http, https)"),
                mistake("h2c://127.0.0.1:9000", "h2c://127.0.0.1:9000/app?x=1",
                        D0 + "origins[0].url: 'h2c://127.0.0.1:9000/app?x=1' must not have a path (requests keep their own path)"),
                mistake("h2c://127.0.0.1:9000", "127.0.0.1:9000",
                        D0 + "origins[0].url: '127.0.0.1:9000' needs a scheme and a host, as in h2c://127.0.0.1:9000"),
                mistake("h2c://127.0.0.1:9000", "h2c://127.0.0.1:99999",
                        D0 + "origins[0].url: 'h2c://127.0.0.1:99999' port must be from 1 to 65535"),
                mistake("listen: 0.0.0.0:8443", "listen: [::1]:8443",
                        "YAML syntax error at line 2, column 12: expected the node content, but found ':' (while"
                                + " parsing a flow node); a value starting with '[' or '{' is a YAML list or mapping,"
                                + " quote it if it is text, as in listen: \"[::1]:8443\""),
                mistake("url: \"http://[::1]\"}", "url: \"http://[::1]\", serverName: x}",
                        D0 + "origins[1].serverName: applies to https origins only, but this origin's url is http://"),
                // files
                mistake("certificate: pki/server.pem", "certificate: pki/missing.pem",
                        D0 + "viewerCertificate.certificate: file not found: " + "DIR/pki/missing.pem"),
                mistake("code: functions/revocation.js", "code: functions",
                        "connectionFunctions[0].code: not a regular file: DIR/functions"),
                mistake("privateKey: pki/server.key", "privateKey: \"\"",
                        D0 + "viewerCertificate.privateKey: must not be empty"),
                mistake("importSource: kvs/revoked.json", "importSource: ~",
                        "keyValueStores[0].importSource: is required (a file path)"),
                // cache behaviors and headers
                mistake("old/*.php", "/api/*",
                        D0 + "cacheBehaviors[1].pathPattern: '/api/*' repeats the pattern at"
                                + " distributions[0].cacheBehaviors[0].pathPattern, so it would never match"),
                mistake("cloudfront-viewer-cert-sha256", "CloudFront-Viewer-Cert-Sha265",
                        D0 + "originRequestPolicy.headers[1]: 'CloudFront-Viewer-Cert-Sha265' is not a client"
                                + " certificate header (did you mean 'CloudFront-Viewer-Cert-Sha256'?) (known:"
                                + " CloudFront-Viewer-Cert-Serial-Number, CloudFront-Viewer-Cert-Issuer,"
                                + " CloudFront-Viewer-Cert-Subject, CloudFront-Viewer-Cert-Validity,"
                                + " CloudFront-Viewer-Cert-Pem, CloudFront-Viewer-Cert-Present,"
                                + " CloudFront-Viewer-Cert-Sha256, Client-Cert, Client-Cert-Chain)"),
                mistake("cloudfront-viewer-cert-sha256", "Client-Cert",
                        D0 + "originRequestPolicy.headers[1]: 'Client-Cert' is only sent in passthrough mode; this"
                                + " distribution's mode is required"),
                mistake("connectionIdHeader: X-Connection-Id", "connectionIdHeader: \"X Connection\"",
                        D0 + "connectionIdHeader: 'X Connection' is not a valid header name"),
                // distributions and logging
                mistake("distributions:\n  - id: EDEMO1", "distributions: []\nunused:\n  - id: EDEMO1",
                        "unused: unknown key (known keys: server, distributions, trustStores, keyValueStores,"
                                + " connectionFunctions, functions, logging, fleet)",
                        "distributions: must list at least one entry"),
                mistake("destination: logs/connection.log", "destination: \" \"",
                        "logging.connectionLogs.destination: must not be empty"),
                mistake("format: w3c", "format: csv",
                        "logging.accessLogs.format: unknown log format 'csv' (expected json, w3c)"),
                mistake("destination: stdout, format: w3c", "destination: stdout, rotateSize: 10MB",
                        "logging.accessLogs.rotateSize: rotation applies to log files, not to stdout"),
                mistake("destination: stdout", "destination: logs/connection.log",
                        "logging.accessLogs: writes to the same file as connectionLogs: DIR/logs/connection.log"),
                // fleet
                mistake("logging:", "fleet: {nodeName: edge-1}\nlogging:",
                        "fleet.etcd: is required (a mapping)"),
                mistake("logging:", "fleet: {etcd: {endpoints: [\"127.0.0.1:2379\"]}, nodeName: edge-1}\nlogging:",
                        "fleet.etcd.endpoints[0]: '127.0.0.1:2379' is not an etcd endpoint: http://host:port or https://host:port"),
                mistake("logging:", "fleet: {etcd: {endpoints: [\"https://etcd:2379\"]}, nodeName: edge-1}\nlogging:",
                        "fleet.etcd.tls: is required with https:// endpoints (at least tls.caBundle, the CA etcd's"
                                + " certificate chains to)"),
                mistake("logging:", "fleet: {etcd: {endpoints: [\"http://etcd:2379\"], prefix: portcullis}, nodeName: edge-1}"
                                + "\nlogging:",
                        "fleet.etcd.prefix: 'portcullis' is not a key prefix: it starts and ends with '/' and its parts"
                                + " are letters, digits, '.', '_' or '-' (for example /portcullis/)"),
                mistake("logging:", "fleet: {etcd: {endpoints: [\"http://etcd:2379\"]}, nodeName: \"edge 1\"}\nlogging:",
                        "fleet.nodeName: 'edge 1' is not a node name: 1-63 letters, digits, '.', '_' or '-'"),
                mistake("logging:", "fleet: {etcd: {endpoints: [\"http://etcd:2379\"], tls: {caBundle: pki/server.pem}},"
                                + " nodeName: edge-1}\nlogging:",
                        "fleet.etcd.tls: is set but every endpoint is http://: use https:// endpoints with tls"),
                mistake("logging:", "fleet: {etcd: {endpoints: [\"https://etcd:2379\"], tls: {caBundle: pki/server.pem,"
                                + " certificate: pki/server.pem}}, nodeName: edge-1}\nlogging:",
                        "fleet.etcd.tls.privateKey: is required with tls.certificate: a client certificate for etcd needs both"));
    }

    private static Arguments mistake(String from, String to, String... expected) {
        return arguments(from, to, List.of(expected));
    }

    @ParameterizedTest(name = "[{index}] {2}")
    @MethodSource("mistakes")
    void reportsTheMistakeAtItsKeyPath(String from, String to, List<String> expected) {
        String yaml = ConfigFixture.edit(ConfigFixture.SAMPLE, from, to);
        List<String> problems = problems(yaml);
        String base = dir.toAbsolutePath().toString();
        assertThat(problems).containsExactly(expected.stream().map(p -> p.replace("DIR", base)).toArray(String[]::new));
    }

    @Test
    void duplicateKeysAreErrorsWithTheirPathAndLine() {
        String yaml = ConfigFixture.edit(ConfigFixture.SAMPLE, "    connectionIdHeader: X-Connection-Id\n",
                "    connectionIdHeader: X-Connection-Id\n    connectionIdHeader: X-Other\n");
        assertThat(problems(yaml)).containsExactly(
                "distributions[0].connectionIdHeader: duplicate key (line 32, column 23); each key may appear once");
        assertThat(problems("{\"server\": {\"listen\": \"0.0.0.0:1\", \"listen\": \"0.0.0.0:2\"}}"))
                .containsExactly("server.listen: duplicate key (line 1, column 44); each key may appear once");
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() {
        assertThat(problems("server:\n  listen: [0.0.0.0:8443\n")).singleElement().asString()
                .startsWith("YAML syntax error at line 3, column 1: expected ',' or ']'");
        assertThat(problems("")).containsExactly("the configuration is empty");
        assertThat(problems("- just\n- a list\n")).containsExactly(
                "expected a mapping, got a list");
    }

    @Test
    void reportsManyProblemsAtOnce() {
        String yaml = ConfigFixture.edit(ConfigFixture.SAMPLE, "listen: 0.0.0.0:8443", "listen: nowhere");
        yaml = ConfigFixture.edit(yaml, "trustStoreId: ts1", "trustStoreId: ts2");
        yaml = ConfigFixture.edit(yaml, "h2c://127.0.0.1:9000", "gopher://127.0.0.1");
        yaml = ConfigFixture.edit(yaml, "kvs/revoked.json", "kvs/gone.json");
        yaml = ConfigFixture.edit(yaml, "format: json", "format: xml");
        yaml = ConfigFixture.edit(yaml, "maxMemory: 4MB", "maxMemory: 0KB");
        assertThat(problems(yaml)).containsExactly(
                "server.listen: 'nowhere' is not host:port",
                "keyValueStores[0].importSource: file not found: " + dir.toAbsolutePath().resolve("kvs/gone.json"),
                "connectionFunctions[0].maxMemory: must be positive, got 0KB",
                D0 + "viewerMtlsConfig.trustStoreConfig.trustStoreId: unknown trust store 'ts2' (known: ts1)",
                D0 + "origins[0].url: unsupported scheme 'gopher' (expected h2c, http, https)",
                "logging.connectionLogs.format: unknown log format 'xml' (expected json, w3c)");
    }

    private List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.parse(yaml, dir));
        assertThat(e).as("expected the configuration to be rejected").isNotNull();
        return e.problems();
    }

    @Test
    void aDirectoryGivenAsTheConfigurationIsReported() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("conf.yaml"));
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(sub));
        assertThat(e.problems()).singleElement().asString().startsWith("cannot read the file: ");
    }
}
