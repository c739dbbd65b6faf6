package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import java.nio.file.Path;

/**
 * What a client with a valid certificate must still not get past the node: certificate headers in
 * trailers or spelled with underscores, malformed chunked bodies, and Host headers that are not
 * exactly one valid name. Raw TLS connections send what curl would refuse to.
 */
class HostileRequestsTest {
    @TempDir
    static Path dir;
    static EdgeFixture edge;

    @BeforeAll
    static void start() throws Exception {
        TestPki pki = new TestPki(dir);
        edge = EdgeFixture.start(pki, """
                  - id: EHARD
                    domainNames: [localhost]
                    viewerCertificate: {certificate: server.pem, privateKey: server.key}
                    viewerMtlsConfig: {mode: required, trustStoreConfig: {trustStoreId: ts1}}
                    origins:
                      - {id: h2c, url: "h2c://127.0.0.1:ORIGIN"}
                      - {id: h1, url: "http://127.0.0.1:ORIGIN"}
                    defaultCacheBehavior: {targetOriginId: h2c}
                    cacheBehaviors:
                      - {pathPattern: "/h1/*", targetOriginId: h1}
                """, "");
    }

    @AfterAll
    static void stop() {
        edge.close();
    }

    private static String exchange(String request) {
        try (RawTls tls = RawTls.connect(edge.pki, "client", edge.node.port())) {
            return tls.send(request).readToClose();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/trailers", "/h1/trailers"})
    void trailersCannotCarryWhatOnlyTheNodeMaySend(String path) {
        String response = exchange("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n"
                + "CloudFront-Viewer-Cert-Present: 1\r\nCloudFront-Viewer-Cert-Subject: CN=admin\r\n"
                + "Client-Cert: :AAAA:\r\nX-Forwarded-For: 198.51.100.1\r\nClient_Cert: :BBBB:\r\n"
                + "Content-Length: 99\r\nX-Checksum: abc\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 200").contains("body-bytes: 5");
        // An HTTP/1.1 origin sees the client's spelling, an HTTP/2 origin lower case.
        assertThat(response.lines().filter(l -> l.startsWith("trailer ")).map(String::toLowerCase).toList())
                .containsExactly("trailer x-checksum: abc");
        // the real certificate headers, in the head, from the node
        assertThat(response).containsIgnoringCase("cloudfront-viewer-cert-subject: CN=client-1,OU=devices,O=Example,C=US");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/u", "/h1/u"})
    void underscoreLookAlikesNeverReachTheOrigin(String path) {
        String response = exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "CloudFront_Viewer_Cert_Subject: CN=admin\r\nClient_Cert: :AAAA:\r\nX_Forwarded_For: 198.51.100.1\r\n"
                + "X_Custom_Header: x\r\nX-Plain: y\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 200").containsIgnoringCase("x-plain: y");
        assertThat(response.toLowerCase()).doesNotContain("_").doesNotContain("cn=admin").doesNotContain("198.51.100.1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"zz", "-5", "ffffffffffffffffff1", "5;\u0000"})
    void aMalformedChunkSizeIs400AndNothingReachesTheOrigin(String size) {
        String path = "/h1/bad-chunk-" + Integer.toHexString(size.hashCode());
        String response = exchange("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + size + "\r\nhello\r\n0\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400").containsIgnoringCase("connection: close");
        assertThat(edge.origin.requests()).doesNotContain(path);
    }

    /**
     * Content-Length beside Transfer-Encoding: chunked (the smuggling classic, where a front end and
     * an origin disagree on where the body ends): refused outright with 400 and a close (Netty 4.2's
     * decoder, as RFC 9112 6.1 allows), so neither the request nor what hides in its body reaches
     * the origin.
     */
    @Test
    void contentLengthBesideChunkedIsRefusedAndNothingIsSmuggledPastIt() {
        String hidden = "GET /h1/smuggled-in-body HTTP/1.1\r\nHost: localhost\r\n\r\n";
        String chunk = Integer.toHexString(hidden.length()) + "\r\n" + hidden + "\r\n";
        String response = exchange("POST /h1/cl-te HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunk + "0\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400").containsIgnoringCase("connection: close");
        assertThat(response).doesNotContain("HTTP/1.1 200");
        assertThat(edge.origin.requests()).doesNotContain("/h1/cl-te", "/h1/smuggled-in-body");
    }

    /** A client's own X-Forwarded-For is kept with its address appended; X-Forwarded-Proto is the node's. */
    @Test
    void forwardingHeadersCarryTheNodesViewOfTheClient() {
        String response = exchange("GET /h1/xff HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "X-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Proto: http\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 200");
        assertThat(response.toLowerCase()).contains("x-forwarded-for: 198.51.100.7, 127.0.0.1")
                .contains("x-forwarded-proto: https");
        assertThat(response.toLowerCase().split("x-forwarded-proto:", -1)).as("one X-Forwarded-Proto").hasSize(2);
    }

    /** A head past the codec's 32 KB of headers is refused by the node, not relayed. */
    @Test
    void aRequestHeadPastItsLimitIsRefusedAndNeverRelayed() {
        String response = exchange("GET /h1/huge-head HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + "a".repeat(40_000)
                + "\r\n\r\n");

        assertThat(response).matches("(?s)HTTP/1\\.1 (431|400) .*");
        assertThat(edge.origin.requests()).doesNotContain("/h1/huge-head");
    }

    @Test
    void aChunkWithoutItsCrlfIs400AndThePipelinedRequestBehindItIsNotServed() {
        String response = exchange("POST /h1/bad-delimiter HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhelloXX\r\n0\r\n\r\nGET /h1/smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400");
        assertThat(response).doesNotContain("HTTP/1.1 200");
        assertThat(edge.origin.requests()).doesNotContain("/h1/bad-delimiter", "/h1/smuggled");
    }

    @Test
    void aPipelineDeeperThanTheCodecAllowsStillGetsItsFirstAnswerThenACleanClose() {
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            burst.append("GET /h1/deep-").append(i).append(" HTTP/1.1\r\nHost: localhost\r\n\r\n");
        }
        String response = exchange(burst.toString()); // one write: the codec sees all 200 at once

        assertThat(response).startsWith("HTTP/1.1 200");
        assertThat(response.toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
        assertThat(edge.origin.requests()).contains("/h1/deep-0").doesNotContain("/h1/deep-199");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Host: localhost\r\nHost: other.test\r\n",
            "Host: localhost, other.test\r\n",
            "Host: user@localhost\r\n",
            "Host: \r\n",
            "Host: localhost:99999\r\n",
            "Host: local host\r\n",
            ""})
    void aRequestWithoutExactlyOneValidHostIs400(String hostLines) {
        String response = exchange("GET /h1/host HTTP/1.1\r\n" + hostLines + "Connection: close\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 400");
    }

    @Test
    void oneValidHostWithAPortIsServedAndHttp10MayOmitIt() {
        assertThat(exchange("GET /h1/ok HTTP/1.1\r\nHost: localhost:443\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
        assertThat(exchange("GET /h1/ok10 HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 200");
    }

    @Test
    void http2TrailersAreFilteredToo() {
        // curl sends no request trailers: h2probe.py (python3-h2, installed by .ci/run) does.
        Proc h2 = H2Probe.run(edge, dir, "trailers");

        assertThat(h2.exitCode()).as(h2.stderr()).isZero();
        assertThat(h2.stdout()).contains("status 200").contains("trailer x-checksum: abc");
        assertThat(h2.stdout().lines().filter(l -> l.startsWith("trailer ")).toList()).containsExactly("trailer x-checksum: abc");
    }

    @Test
    void anHttp2ProtocolErrorIsAnsweredWithItsOwnGoawayCode() {
        // A WINDOW_UPDATE past 2^31-1 is a FLOW_CONTROL_ERROR (RFC 9113 6.9.1), not NO_ERROR.
        Proc h2 = H2Probe.run(edge, dir, "window-overflow");

        assertThat(h2.exitCode()).as(h2.stderr()).isZero();
        assertThat(h2.stdout()).contains("goaway 3");
    }

    @Test
    void anHttp2HeaderListPastTheLimitIsRefusedWithAnErrorCode() {
        Proc h2 = H2Probe.run(edge, dir, "huge-headers");

        assertThat(h2.exitCode()).as(h2.stderr()).isZero();
        assertThat(h2.stdout()).containsPattern("(goaway|reset) [1-9]");
    }

    @Test
    void anHttp2RequestWhoseAuthorityAndHostDisagreeIsRefused() {
        Proc h2 = H2Probe.run(edge, dir, "authority-mismatch");

        assertThat(h2.exitCode()).as(h2.stderr()).isZero();
        assertThat(h2.stdout()).contains("reset 1").doesNotContain("status 200"); // PROTOCOL_ERROR
        assertThat(edge.origin.requests()).doesNotContain("/mismatch");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/fwd", "/h1/fwd"})
    void clientAddressAndCloudFrontHeadersTheNodeOwnsNeverReachTheOrigin(String path) {
        String response = exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "Forwarded: for=198.51.100.1\r\nX-Real-IP: 198.51.100.1\r\nTrue-Client-IP: 198.51.100.1\r\n"
                + "CloudFront-Viewer-Address: 198.51.100.1:443\r\nCloudFront-Forwarded-Proto: http\r\n"
                + "X-Forwarded-Host: evil.test\r\nX-Forwarded-Port: 80\r\nX-Amz-Cf-Id: forged\r\n"
                + "X-Client-IP: 198.51.100.1\r\nCF-Connecting-IP: 198.51.100.1\r\nFastly-Client-IP: 198.51.100.1\r\n"
                + "X-Cluster-Client-IP: 198.51.100.1\r\nX-Original-Forwarded-For: 198.51.100.1\r\n\r\n");

        assertThat(response).startsWith("HTTP/1.1 200");
        assertThat(response).doesNotContain("198.51.100.1").doesNotContain("evil.test").doesNotContain("forged")
                .doesNotContainIgnoringCase("cloudfront-forwarded-proto").doesNotContainIgnoringCase("x-forwarded-port");
    }

    @Test
    void whatTheNodeDoesNotImplementIsRefusedNotPassedOn() {
        java.util.Map<String, String> refused = java.util.Map.of(
                "POST /h1/te HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "501",
                "POST /h1/te2 HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "3\r\nabc\r\n0\r\n\r\n", "501",
                "GET /h1/v HTTP/2.0\r\nHost: localhost\r\n\r\n", "505",
                "TRACE /h1/trace HTTP/1.1\r\nHost: localhost\r\n\r\n", "405",
                "trace /h1/trace HTTP/1.1\r\nHost: localhost\r\n\r\n", "405");
        refused.forEach((request, status) ->
                assertThat(exchange(request)).as(request).startsWith("HTTP/1.1 " + status));
        assertThat(edge.origin.requests()).doesNotContain("/h1/te", "/h1/te2", "/h1/v", "/h1/trace");
    }

    @Test
    void anHttp2SchemeOtherThanHttpsIs400() {
        Proc h2 = H2Probe.run(edge, dir, "bad-scheme");

        assertThat(h2.exitCode()).as(h2.stderr()).isZero();
        assertThat(h2.stdout()).contains("status 400");
        assertThat(edge.origin.requests()).doesNotContain("/scheme");
    }

    @Test
    void anHttp2BodyShorterThanItsContentLengthResetsTheStreamWithProtocolError() {
        Proc h2 = H2Probe.run(edge, dir, "cl-mismatch");

        assertThat(h2.exitCode()).as(h2.stderr()).isZero();
        assertThat(h2.stdout()).contains("reset 1");
    }
}
