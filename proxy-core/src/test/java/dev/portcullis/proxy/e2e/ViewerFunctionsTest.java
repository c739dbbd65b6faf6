package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * CloudFront Functions on requests and responses, per path, with the real curl over HTTP/1.1 and
 * HTTP/2: an admin-only path by certificate subject, a header the origin sees, a redirect, a
 * viewer-response header, a KeyValueStore allowlist, faults answered 503, cf.mtls in passthrough mode.
 */
class ViewerFunctionsTest {
    static final String ADMIN_ONLY = """
            function handler(event) {
              const subject = event.request.headers['cloudfront-viewer-cert-subject'];
              if (!subject || !/(^|,)OU=admins(,|$)/.test(subject.value)) {
                return {statusCode: 403, statusDescription: 'Forbidden', body: 'admins only\\n'};
              }
              return event.request;
            }
            """;
    static final String TAG_REQUEST = """
            function handler(event) {
              const r = event.request;
              if (r.uri === '/old') {
                return {statusCode: 301, statusDescription: 'Moved Permanently',
                        headers: {location: {value: '/new'}}};
              }
              r.headers['x-edge-function'] = undefined;
              r.headers['x-function-saw'] = {value: r.headers['cloudfront-viewer-cert-serial-number'].value
                  + ' ' + event.context.distributionId + ' ' + event.viewer.ip};
              r.headers['cloudfront-viewer-cert-subject'] = {value: 'CN=forged'};
              return r;
            }
            """;
    static final String SECURITY_HEADERS = """
            function handler(event) {
              const response = event.response;
              response.headers['strict-transport-security'] = {value: 'max-age=63072000'};
              response.headers['x-origin-status'] = {value: String(response.statusCode)};
              return response;
            }
            """;
    static final String KVS_ALLOWLIST = """
            import cf from 'cloudfront';
            async function handler(event) {
              const subject = event.request.headers['cloudfront-viewer-cert-subject'].value;
              if (await cf.kvs().exists(subject)) {
                return event.request;
              }
              return {statusCode: 403, body: {encoding: 'base64', data: 'bm90IG9uIHRoZSBsaXN0Cg=='}};
            }
            """;
    static final String FAULTY = """
            function handler(event) {
              const u = event.request.uri;
              if (u === '/fault/throw') { throw new Error('boom'); }
              if (u === '/fault/nothing') { return; }
              if (u === '/fault/shape') { return {statusCode: 'two hundred'}; }
              if (u === '/fault/header') { event.request.headers['bad header'] = {value: 'x'}; return event.request; }
              if (u === '/fault/host') { event.request.headers.host = {value: 'elsewhere.test'}; return event.request; }
              if (u === '/fault/loop') { for (;;) {} }
              if (u === '/fault/bomb') { const keep = []; for (;;) { keep.push(new Float64Array(131072)); } }
              return event.request;
            }
            """;
    static final String RENAME = """
            import cf from 'cloudfront';
            function handler(event) {
              cf.mtls.renameClientCertHeaders({'Client-Cert': 'X-Client-Leaf'});
              cf.mtls.renamePemHeaders({'Client-Cert-Chain': {newHeaderName: 'X-Client-Chain',
                  pemCertFormatInfo: {certHeader: '[', certFooter: ']'}}});
              return event.request;
            }
            """;

    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        pki.addClient("admin", CertificateSpec.client("CN=alice,OU=admins,O=Example"));
        for (var f : List.of(new String[] {"admin-only.js", ADMIN_ONLY}, new String[] {"tag.js", TAG_REQUEST},
                new String[] {"security.js", SECURITY_HEADERS}, new String[] {"allowlist.js", KVS_ALLOWLIST},
                new String[] {"faulty.js", FAULTY}, new String[] {"rename.js", RENAME})) {
            IssuedCertificate.writeString(dir.resolve(f[0]), f[1]);
        }
        IssuedCertificate.writeString(dir.resolve("allowed.json"),
                "{\"data\":[{\"key\":\"CN=alice,OU=admins,O=Example\",\"value\":\"yes\"}]}");
        String origin = "h2c://127.0.0.1:ORIGIN";
        String distributions = """
                  - id: EFUNC
                    domainNames: [localhost]
                    viewerCertificate: {certificate: server.pem, privateKey: server.key}
                    viewerMtlsConfig: {mode: required, trustStoreConfig: {trustStoreId: ts1}}
                    origins:
                      - {id: app, url: "%1$s", connectTimeout: 2s, responseTimeout: 2s}
                    defaultCacheBehavior:
                      targetOriginId: app
                      functionAssociations:
                        - {eventType: viewer-request, functionName: tag}
                        - {eventType: viewer-response, functionName: security-headers}
                    cacheBehaviors:
                      - pathPattern: "/admin/*"
                        targetOriginId: app
                        functionAssociations: [{eventType: viewer-request, functionName: admin-only}]
                      - pathPattern: "/listed/*"
                        targetOriginId: app
                        functionAssociations: [{eventType: viewer-request, functionName: allowlist}]
                      - pathPattern: "/fault/*"
                        targetOriginId: app
                        functionAssociations: [{eventType: viewer-request, functionName: faulty}]
                      - {pathPattern: "/plain/*", targetOriginId: app}
                  - id: EPASS
                    domainNames: [other.test]
                    viewerCertificate: {certificate: server.pem, privateKey: server.key}
                    viewerMtlsConfig: {mode: passthrough}
                    origins:
                      - {id: app, url: "%1$s", connectTimeout: 2s, responseTimeout: 2s}
                    defaultCacheBehavior:
                      targetOriginId: app
                      functionAssociations: [{eventType: viewer-request, functionName: rename}]
                """.formatted(origin);
        String extra = """
                keyValueStores:
                  - {name: allowed-subjects, importSource: allowed.json}
                functions:
                  - {name: admin-only, code: admin-only.js, timeout: 500ms}
                  - {name: tag, code: tag.js, timeout: 500ms}
                  - {name: security-headers, code: security.js, timeout: 500ms}
                  - {name: allowlist, code: allowlist.js, keyValueStoreAssociations: [allowed-subjects], timeout: 500ms}
                  - {name: faulty, code: faulty.js, timeout: 100ms}
                  - {name: rename, code: rename.js, timeout: 500ms}
                logging:
                  accessLogs: {destination: logs/access.log, format: w3c}
                """;
        edge = EdgeFixture.start(pki, distributions, extra);
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    private static Proc get(String client, String path, String... more) {
        return edge.get(client, path, more);
    }

    private static List<String> withHead(String http, String... more) {
        List<String> args = new ArrayList<>(List.of(http, "-i"));
        args.addAll(List.of(more));
        return args;
    }

    @ParameterizedTest
    @ValueSource(strings = {"--http1.1", "--http2"})
    void adminPathsAreForAdminsOnlyAndOthersNeverReachTheOrigin(String http) {
        Proc denied = get("client", "/admin/panel-" + http, withHead(http).toArray(String[]::new));
        assertThat(denied.exitCode()).as(denied.stderr()).isZero();
        assertThat(denied.stdout()).containsPattern("^HTTP/[0-9.]+ 403").contains("admins only");
        assertThat(edge.origin.requests()).noneMatch(t -> t.contains("/admin/panel-" + http));

        Proc allowed = get("admin", "/admin/panel-ok" + http, withHead(http).toArray(String[]::new));
        assertThat(allowed.stdout()).containsPattern("^HTTP/[0-9.]+ 200");
        assertThat(allowed.echoed("CloudFront-Viewer-Cert-Subject")).isEqualTo("CN=alice,OU=admins,O=Example");
        assertThat(edge.origin.requests()).contains("/admin/panel-ok" + http);
    }

    @ParameterizedTest
    @ValueSource(strings = {"--http1.1", "--http2"})
    void aRequestFunctionAddsAHeaderTheOriginSeesButCannotForgeCertificateHeaders(String http) {
        Proc response = get("client", "/hello", http);
        assertThat(response.exitCode()).as(response.stderr()).isZero();
        assertThat(response.echoed("x-function-saw")).matches("([0-9a-f]{2}:)+[0-9a-f]{2} EFUNC 127\\.0\\.0\\.1");
        assertThat(response.echoedAll("CloudFront-Viewer-Cert-Subject")).containsExactly("CN=client-1,OU=devices,O=Example,C=US");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--http1.1", "--http2"})
    void aRequestFunctionRedirectsAndAResponseFunctionAddsHeadersTheViewerSees(String http) {
        Proc redirect = get("client", "/old", withHead(http).toArray(String[]::new));
        assertThat(redirect.stdout()).containsPattern("^HTTP/[0-9.]+ 301").containsIgnoringCase("location: /new");
        assertThat(edge.origin.requests()).doesNotContain("/old");

        Proc response = get("client", "/status/202", withHead(http).toArray(String[]::new));
        assertThat(response.stdout()).containsPattern("^HTTP/[0-9.]+ 202")
                .containsIgnoringCase("strict-transport-security: max-age=63072000")
                .containsIgnoringCase("x-origin-status: 202");
        Proc plain = get("client", "/plain/x", withHead(http).toArray(String[]::new));
        assertThat(plain.stdout()).doesNotContainIgnoringCase("strict-transport-security");
    }

    @Test
    void aKeyValueStoreAllowlistDecidesPerSubject() {
        assertThat(get("admin", "/listed/a", "-i").stdout()).containsPattern("^HTTP/[0-9.]+ 200");
        Proc refused = get("client", "/listed/b", "-i");
        assertThat(refused.stdout()).containsPattern("^HTTP/[0-9.]+ 403").contains("not on the list");
    }

    @ParameterizedTest
    @ValueSource(strings = {"throw", "nothing", "shape", "header", "host", "loop", "bomb"})
    void eachFaultAnswers503WhileOtherRequestsAreServed(String fault) throws Exception {
        double before = edge.metric("portcullis_function_errors_total\\{eventType=\"viewer-request\",function=\"faulty\",?\\}");
        List<CompletableFuture<Proc>> good = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            good.add(CompletableFuture.supplyAsync(() -> get("client", "/plain/during-" + fault, "-o", "/dev/null",
                    "-w", "%{http_code}")));
        }
        Proc faulty = get("client", "/fault/" + fault, "-i");
        assertThat(faulty.stdout()).containsPattern("^HTTP/[0-9.]+ 503").contains("the function faulty failed");
        assertThat(edge.origin.requests()).noneMatch(t -> t.equals("/fault/" + fault));
        for (CompletableFuture<Proc> g : good) {
            assertThat(g.get().stdout()).isEqualTo("200");
        }
        Await.until(() -> edge.metric("portcullis_function_errors_total\\{eventType=\"viewer-request\",function=\"faulty\",?\\}")
                >= before + 1, "the fault is counted", Duration.ofSeconds(5));
        assertThat(get("client", "/fault/fine", "-o", "/dev/null", "-w", "%{http_code}").stdout()).isEqualTo("200");
    }

    @Test
    void theAccessLogSaysWhenAFunctionAnsweredOrFailed() throws Exception {
        assertThat(get("client", "/old?log", "-o", "/dev/null", "-w", "%{http_code}").stdout()).isEqualTo("301");
        assertThat(get("client", "/fault/throw?log", "-o", "/dev/null", "-w", "%{http_code}").stdout()).isEqualTo("503");
        assertThat(get("client", "/plain/log", "-o", "/dev/null", "-w", "%{http_code}").stdout()).isEqualTo("200");
        edge.node.flushLogs(Duration.ofSeconds(5));
        List<String> lines = Files.readAllLines(dir.resolve("logs/access.log"));
        assertThat(lines).anyMatch(l -> l.contains("\t/old\t") && l.endsWith("\tFunctionGeneratedResponse"));
        assertThat(lines).anyMatch(l -> l.contains("\t/fault/throw\t") && l.endsWith("\tFunctionExecutionError"));
        assertThat(lines).anyMatch(l -> l.contains("\t/plain/log\t") && l.endsWith("\tMiss"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--http1.1", "--http2"})
    void mtlsHelpersRenameAndReencodeClientCertHeadersInPassthroughMode(String http) throws Exception {
        Proc pass = Proc.run(withCurl("client", "https://other.test:" + edge.node.port() + "/pass", http));
        assertThat(pass.exitCode()).as(pass.stderr()).isZero();
        String leafPem = Files.readString(dir.resolve("client.pem"));
        String leafDer = leafPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        assertThat(pass.echoed("X-Client-Leaf")).isEqualTo(":" + leafDer + ":");
        assertThat(pass.echoed("X-Client-Chain")).startsWith("[MII").endsWith("]");
        assertThat(pass.echoed("Client-Cert")).isNull();
        assertThat(pass.echoed("Client-Cert-Chain")).isNull();
    }

    private static List<String> withCurl(String client, String url, String http) {
        List<String> cmd = edge.curl(client, http);
        cmd.add(url);
        return cmd;
    }

    @Test
    void functionTestRunsAViewerFunctionOnAnEventFile() throws Exception {
        String config = dir.resolve("edge.yaml").toString();
        Path event = dir.resolve("event.json");
        IssuedCertificate.writeString(event, """
                {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "198.51.100.11"},
                 "request": {"method": "GET", "uri": "/admin/x", "querystring": {"a": {"value": "1"}},
                   "headers": {"host": {"value": "localhost"},
                               "cloudfront-viewer-cert-serial-number": {"value": "0a:1b"},
                               "cloudfront-viewer-cert-subject": {"value": "CN=bob,OU=staff,O=Example"}},
                   "cookies": {}}}
                """);
        Cli.Result denied = Cli.run("function", "test", "--config", config, "--function", "admin-only",
                "--event-type", "viewer-request", "--request", event.toString());
        assertThat(denied.exitCode()).as(denied.err()).isZero();
        assertThat(denied.out()).contains("result: response (sent to the viewer)").contains("\"statusCode\" : 403")
                .contains("admins only").containsPattern("time: [0-9.]+ ms");
        Cli.Result tagged = Cli.run("function", "test", "--config", config, "--function", "tag",
                "--event-type", "viewer-request", "--request", event.toString());
        assertThat(tagged.out()).contains("result: request (forwarded to the origin)")
                .contains("\"value\" : \"0a:1b EFUNC 198.51.100.11\"");
        Cli.Result wrongKind = Cli.run("function", "test", "--config", config, "--function", "nope",
                "--event-type", "viewer-request", "--request", event.toString());
        assertThat(wrongKind.exitCode()).isEqualTo(2);
        assertThat(wrongKind.err()).contains("no function named 'nope' under functions");
    }
}
