package dev.portcullis.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.functions.ViewerEvent.Header;
import dev.portcullis.functions.ViewerOutcome.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Viewer-request and viewer-response functions on the real engine: event shapes, results, faults. */
class ViewerFunctionTest {
    static final FunctionLimits RELAXED = new FunctionLimits(Duration.ofSeconds(2), 2L * 1024 * 1024);
    static final KeyValueStores STORES = KeyValueStores.of(KeyValueStore.of("allowed-subjects",
            Map.of("CN=alice,OU=admins,O=Example", "yes")));

    static FunctionRuntime runtime;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRuntime() {
        runtime = FunctionRuntime.create();
    }

    @AfterAll
    static void stopRuntime() {
        runtime.close();
    }

    private ViewerFunction compile(String code) throws Exception {
        Path file = dir.resolve("viewer.js");
        Files.writeString(file, code, StandardCharsets.UTF_8);
        return runtime.compileViewer("viewer-test", file, Optional.of("allowed-subjects"), RELAXED, STORES);
    }

    static ViewerEvent request(String uri, String query, Header... headers) {
        return new ViewerEvent(ViewerEvent.EventType.VIEWER_REQUEST, "edge.example", "EDEMO1", "req-1", "conn-1",
                "192.0.2.7", new ViewerEvent.Request("GET", uri, query, List.of(headers)), null);
    }

    static Header h(String name, String value) {
        return new Header(name, value);
    }

    @Test
    void theEventHasCloudFrontsShape() throws Exception {
        try (ViewerFunction f = compile("""
                function handler(event) {
                  const r = event.request;
                  return { statusCode: 200, body: JSON.stringify({
                    version: event.version, context: event.context, viewer: event.viewer, method: r.method,
                    uri: r.uri, querystring: r.querystring, headers: r.headers, cookies: r.cookies }) };
                }
                """)) {
            ViewerOutcome out = f.invoke(request("/a/b", "x=1&y=2&x=3&flag",
                    h("host", "edge.example"), h("accept", "a"), h("accept", "b"), h("cookie", "s=1; t=2"),
                    h("cloudfront-viewer-cert-subject", "CN=alice,OU=admins,O=Example")));
            assertThat(out.kind()).as(out.error()).isEqualTo(Kind.RESPOND);
            String body = new String(out.response().body(), StandardCharsets.UTF_8);
            assertThat(body).contains("\"version\":\"1.0\"")
                    .contains("\"context\":{\"distributionDomainName\":\"edge.example\",\"distributionId\":\"EDEMO1\","
                            + "\"eventType\":\"viewer-request\",\"requestId\":\"req-1\",\"connectionId\":\"conn-1\"}")
                    .contains("\"viewer\":{\"ip\":\"192.0.2.7\"}")
                    .contains("\"querystring\":{\"x\":{\"value\":\"1\",\"multiValue\":[{\"value\":\"1\"},{\"value\":\"3\"}]},"
                            + "\"y\":{\"value\":\"2\"},\"flag\":{\"value\":\"\"}}")
                    .contains("\"accept\":{\"value\":\"a\",\"multiValue\":[{\"value\":\"a\"},{\"value\":\"b\"}]}")
                    .contains("\"cloudfront-viewer-cert-subject\":{\"value\":\"CN=alice,OU=admins,O=Example\"}")
                    .contains("\"cookies\":{\"s\":{\"value\":\"1\"},\"t\":{\"value\":\"2\"}}")
                    .doesNotContain("\"cookie\":");
        }
    }

    @Test
    void everyHeaderNameSentAsAnIndexArrivesAsItsName() throws Exception {
        // KnownHeaderNames go as an index the bootstrap resolves: each one, in order, among unknown
        // names, must come out as the name and value the host had, in requests and responses alike.
        List<Header> headers = new java.util.ArrayList<>();
        headers.add(h("x-first-unknown", "u1"));
        for (String name : KnownHeaderNames.NAMES) {
            headers.add(h(name, "v-" + name));
        }
        headers.add(h("x-last-unknown", "u2"));
        String echo = """
                function handler(event) {
                  const from = event.response || event.request;
                  const seen = Object.keys(from.headers).map(n => n + '=' + from.headers[n].value).join(';');
                  if (event.response) {
                    event.response.headers['x-seen'] = {value: seen}; // a viewer-response function has no body
                    return event.response;
                  }
                  return { statusCode: 200, body: seen };
                }
                """;
        String expected = String.join(";", headers.stream().map(x -> x.name() + "=" + x.value()).toList());
        try (ViewerFunction f = compile(echo)) {
            ViewerOutcome onRequest = f.invoke(request("/", "", headers.toArray(Header[]::new)));
            assertThat(onRequest.kind()).as(onRequest.error()).isEqualTo(Kind.RESPOND);
            assertThat(new String(onRequest.response().body(), StandardCharsets.UTF_8)).isEqualTo(expected);
            ViewerOutcome onResponse = f.invoke(new ViewerEvent(ViewerEvent.EventType.VIEWER_RESPONSE, "edge.example",
                    "EDEMO1", "r", "c", "192.0.2.7", new ViewerEvent.Request("GET", "/", "", List.of(h("host", "x"))),
                    new ViewerEvent.Response(200, "OK", headers)));
            assertThat(onResponse.kind()).as(onResponse.error()).isEqualTo(Kind.RESPOND);
            assertThat(onResponse.response().headers()).contains(h("x-seen", expected));
        }
        // and a request returned untouched, known names and all, is still recognised as untouched
        try (ViewerFunction f = compile("function handler(event) { return event.request; }")) {
            assertThat(f.invoke(request("/", "", headers.toArray(Header[]::new))).unchanged()).isTrue();
        }
    }

    @Test
    void aChangedRequestComesBackWithItsHeadersQueryAndCookies() throws Exception {
        try (ViewerFunction f = compile("""
                async function handler(event) {
                  const r = event.request;
                  r.uri = '/rewritten' + r.uri;
                  r.headers['x-added'] = {value: 'yes'};
                  delete r.headers['user-agent'];
                  r.headers.accept.value = 'first-changed';
                  r.querystring.z = {value: '9'};
                  r.cookies.s = {value: 'new'};
                  return r;
                }
                """)) {
            ViewerOutcome out = f.invoke(request("/p", "q=1", h("user-agent", "curl"), h("accept", "a"),
                    h("accept", "b"), h("cookie", "s=1")));
            assertThat(out.kind()).as(out.error()).isEqualTo(Kind.FORWARD);
            assertThat(out.request().uri()).isEqualTo("/rewritten/p");
            assertThat(out.request().encodedQuery()).isEqualTo("q=1&z=9");
            // value changed with multiValue untouched: only the first value changes (CloudFront's rule)
            assertThat(out.request().headers()).containsExactly(h("accept", "first-changed"), h("accept", "b"),
                    h("x-added", "yes"));
            assertThat(out.request().cookies()).containsExactly(h("s", "new"));
        }
    }

    /**
     * A request without a query or cookies returned exactly as the event built it comes back as
     * "unchanged" (the node then forwards the viewer's request as it came, encoding nothing); any change
     * at all, however small, is encoded, and so is a request with a query, cookies or a repeated header.
     */
    @Test
    void onlyARequestReturnedUntouchedComesBackUnchanged() throws Exception {
        ViewerEvent event = request("/p", "q=1&r", h("user-agent", "curl"), h("accept", "a"), h("cookie", "s=1; t=2"));
        String[] changes = {
            "r.headers.accept.value = 'b';",
            "r.headers['x-new'] = {value: 'n'};",
            "delete r.headers['user-agent'];",
            "r.headers.accept = {value: 'a'};",
            "r.headers.accept.multiValue = [{value: 'a'}, {value: 'b'}];",
            "r.uri = '/q';",
            "r.querystring.q.value = '2';",
            "delete r.querystring.r;",
            "r.querystring = {};",
            "r.cookies.s = {value: '1'};",
            "r.cookies.u = {value: '3'};",
            "return {uri: r.uri, querystring: r.querystring, headers: r.headers, cookies: r.cookies};",
        };
        for (String change : changes) {
            try (ViewerFunction f = compile("function handler(event) { const r = event.request; " + change + " return r; }")) {
                ViewerOutcome out = f.invoke(event);
                assertThat(out.kind()).as(change + ": " + out.error()).isEqualTo(Kind.FORWARD);
                assertThat(out.unchanged()).as(change).isFalse();
                assertThat(out.request()).as(change).isNotNull();
            }
        }
        ViewerEvent plain = request("/p", "", h("user-agent", "curl"), h("accept", "a"));
        String[] plainChanges = {
            "r.headers.accept.value = 'b';",
            "r.headers['x-new'] = {value: 'n'};",
            "delete r.headers['user-agent'];",
            "r.headers.accept = {value: 'other'};",
            "r.headers.accept.multiValue = [{value: 'a'}, {value: 'b'}];",
            "r.uri = '/q';",
            "r.querystring.q = {value: '1'};",
            "r.cookies.s = {value: '1'};",
            "return {uri: r.uri, querystring: r.querystring, headers: r.headers, cookies: r.cookies};",
        };
        for (String change : plainChanges) {
            try (ViewerFunction f = compile("function handler(event) { const r = event.request; " + change + " return r; }")) {
                assertThat(f.invoke(plain).unchanged()).as("no query or cookies: " + change).isFalse();
            }
        }
        try (ViewerFunction f = compile("function handler(event) { return event.request; }")) {
            ViewerOutcome out = f.invoke(event);
            assertThat(out.unchanged()).as("a query or cookies: always encoded").isFalse();
            assertThat(out.request().encodedQuery()).isEqualTo("q=1&r");
            assertThat(out.request().cookies()).containsExactly(h("s", "1"), h("t", "2"));
        }
        try (ViewerFunction f = compile("function handler(event) { const r = event.request;"
                + " const seen = r.headers['user-agent'].value + Object.keys(r.querystring).length;"
                + " if (seen.length > 100) { console.log(seen); } return r; }")) {
            ViewerOutcome out = f.invoke(plain);
            assertThat(out.kind()).as(out.error()).isEqualTo(Kind.FORWARD);
            assertThat(out.unchanged()).as("read, not changed").isTrue();
            assertThat(out.request()).isNull();
        }
        try (ViewerFunction f = compile("function handler(event) { console.log('hi'); return event.request; }")) {
            ViewerOutcome out = f.invoke(plain);
            assertThat(out.unchanged()).as("unchanged, with a console line (the encoded path)").isTrue();
            assertThat(out.consoleLines()).containsExactly("hi");
        }
        ViewerEvent repeated = request("/p", "", h("accept", "a"), h("accept", "b"));
        try (ViewerFunction f = compile("function handler(event) { return event.request; }")) {
            ViewerOutcome out = f.invoke(repeated);
            assertThat(out.unchanged()).as("a repeated header is always encoded").isFalse();
            assertThat(out.request().headers()).containsExactly(h("accept", "a"), h("accept", "b"));
        }
    }

    @Test
    void aResponseAnswersTheViewerWithTextOrBase64Bodies() throws Exception {
        try (ViewerFunction f = compile("""
                function handler(event) {
                  if (event.request.uri === '/b64') {
                    return {statusCode: 200, body: {encoding: 'base64', data: 'aGVsbG8='}};
                  }
                  return {statusCode: 302, statusDescription: 'Found',
                          headers: {location: {value: 'https://example.com/'}},
                          cookies: {id: {value: 'abc', attributes: 'Secure; Path=/'}}};
                }
                """)) {
            ViewerOutcome redirect = f.invoke(request("/old", ""));
            assertThat(redirect.kind()).isEqualTo(Kind.RESPOND);
            assertThat(redirect.response().statusCode()).isEqualTo(302);
            assertThat(redirect.response().statusDescription()).isEqualTo("Found");
            assertThat(redirect.response().headers()).containsExactly(h("location", "https://example.com/"));
            assertThat(redirect.response().cookies()).extracting(ViewerOutcome.SetCookie::header)
                    .containsExactly("id=abc; Secure; Path=/");
            assertThat(redirect.response().body()).isNull();
            assertThat(new String(f.invoke(request("/b64", "")).response().body(), StandardCharsets.UTF_8))
                    .isEqualTo("hello");
        }
    }

    @Test
    void viewerResponseSeesTheResponseAndItsCookies() throws Exception {
        try (ViewerFunction f = compile("""
                function handler(event) {
                  const res = event.response;
                  res.headers['x-status-seen'] = {value: String(res.statusCode) + ' ' + res.statusDescription};
                  res.headers['x-cookie-seen'] = {value: res.cookies.sid.value + '|' + res.cookies.sid.attributes};
                  res.statusCode = 201;
                  return res;
                }
                """)) {
            ViewerEvent event = new ViewerEvent(ViewerEvent.EventType.VIEWER_RESPONSE, "edge.example", "EDEMO1", "r",
                    "c", "192.0.2.7", new ViewerEvent.Request("GET", "/", "", List.of()),
                    new ViewerEvent.Response(200, "OK", List.of(h("content-type", "text/plain"),
                            h("set-cookie", "sid=42; HttpOnly"))));
            ViewerOutcome out = f.invoke(event);
            assertThat(out.kind()).as(out.error()).isEqualTo(Kind.RESPOND);
            assertThat(out.response().statusCode()).isEqualTo(201);
            assertThat(out.response().headers()).contains(h("x-status-seen", "200 OK"), h("x-cookie-seen", "42|HttpOnly"));
            assertThat(out.response().cookies()).extracting(ViewerOutcome.SetCookie::header).containsExactly("sid=42; HttpOnly");
        }
    }

    @Test
    void theKeyValueStoreAndMtlsHelpersWork() throws Exception {
        try (ViewerFunction f = compile("""
                import cf from 'cloudfront';
                async function handler(event) {
                  const subject = event.request.headers['cloudfront-viewer-cert-subject'].value;
                  if (!(await cf.kvs().exists(subject))) {
                    return {statusCode: 403, body: 'forbidden'};
                  }
                  cf.mtls.renameClientCertHeaders({'CloudFront-Viewer-Cert-Subject': 'X-Subject'});
                  cf.mtls.renamePemHeaders({'Client-Cert': {newHeaderName: 'X-Leaf',
                      pemCertFormatInfo: {certHeader: '<', certFooter: '>'}}});
                  return event.request;
                }
                """)) {
            ViewerOutcome denied = f.invoke(request("/", "", h("cloudfront-viewer-cert-subject", "CN=mallory")));
            assertThat(denied.response().statusCode()).isEqualTo(403);
            ViewerOutcome allowed = f.invoke(request("/", "", h("cloudfront-viewer-cert-subject", "CN=alice,OU=admins,O=Example")));
            assertThat(allowed.kind()).as(allowed.error()).isEqualTo(Kind.FORWARD);
            assertThat(allowed.certificateHeaders()).containsExactly(
                    new ViewerOutcome.CertificateHeaderChange("cloudfront-viewer-cert-subject", "X-Subject", null),
                    new ViewerOutcome.CertificateHeaderChange("client-cert", "X-Leaf",
                            new ViewerOutcome.PemFormat("<", ">", null, null)));
        }
    }

    @Test
    void faultsComeBackAsFaultsNamingTheLine() throws Exception {
        try (ViewerFunction f = compile("""
                function handler(event) {
                  const u = event.request.uri;
                  if (u === '/throw') { null.boom(); }
                  if (u === '/nothing') { return; }
                  if (u === '/bad-status') { return {statusCode: 99}; }
                  if (u === '/bad-header') { event.request.headers.x = {value: 5}; return event.request; }
                  if (u === '/bad-uri') { event.request.uri = 'relative'; return event.request; }
                  if (u === '/bad-mtls') { cf_missing(); }
                  if (u === '/loop') { for (;;) {} }
                  return event.request;
                }
                """)) {
            assertThat(f.invoke(request("/throw", "")).error()).startsWith("TypeError").endsWith("at viewer.js:3");
            assertThat(f.invoke(request("/nothing", "")).error()).contains("invalid return");
            assertThat(f.invoke(request("/bad-status", "")).error()).contains("statusCode");
            assertThat(f.invoke(request("/bad-header", "")).error()).contains("request.headers.x.value must be a string");
            assertThat(f.invoke(request("/bad-uri", "")).error()).contains("must begin with '/'");
            assertThat(f.invoke(request("/bad-mtls", "")).kind()).isEqualTo(Kind.FAULT);
            assertThat(f.invoke(request("/ok", "")).kind()).isEqualTo(Kind.FORWARD);
        }
        Path file = dir.resolve("loop.js");
        Files.writeString(file, "function handler(event) { if (event.request.uri === '/loop') { for (;;) {} } return event.request; }");
        try (ViewerFunction f = runtime.compileViewer("loop", file, Optional.empty(),
                new FunctionLimits(Duration.ofMillis(20), 2L << 20), STORES)) {
            for (int i = 0; i < 300; i++) {
                f.invoke(request("/ok", "")); // past the start-up grace
            }
            assertThat(f.invoke(request("/loop", "")).error()).isEqualTo("timeout");
            assertThat(f.invoke(request("/ok", "")).kind()).isEqualTo(Kind.FORWARD);
        }
    }

    @Test
    void aFunctionWithoutHandlerDoesNotCompile() throws Exception {
        assertThatThrownBy(() -> compile("function connectionHandler(connection) { connection.allow(); }"))
                .isInstanceOf(FunctionCompileException.class)
                .hasMessageContaining("no function handler: declare function handler(event)");
    }
}
