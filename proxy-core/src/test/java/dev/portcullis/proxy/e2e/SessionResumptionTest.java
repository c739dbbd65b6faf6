package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code viewerMtlsConfig.sessionResumption} with the real openssl s_client ({@code -sess_out} /
 * {@code -sess_in}): a TLS 1.3 client resumes and is logged as resumed; a resumed session is checked
 * again, so a serial put in the KeyValueStore or an issuer the trust store dropped refuses it; with the
 * flag off, and for a TLS 1.2 client, no ticket is issued at all.
 */
class SessionResumptionTest {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = "GET /resumed HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

    @TempDir
    Path dir;

    private EdgeFixture start(boolean resumption, boolean function) throws Exception {
        TestPki pki = new TestPki(dir);
        pki.addClient("resumer", CertificateSpec.client("CN=resumer,OU=devices,O=Example").serial(new BigInteger("01ce01", 16)));
        IssuedCertificate.writeString(dir.resolve("revocation.js"), ConnectionFunctionsTest.BLOG_FUNCTION);
        IssuedCertificate.writeString(dir.resolve("revoked.json"), "{\"data\":[{\"key\":\"0a1b2c3d\",\"value\":\"r\"}]}");
        String mtls = "{mode: required, trustStoreConfig: {trustStoreId: ts1}" + (resumption ? ", sessionResumption: true}" : "}");
        String distributions = EdgeFixture.distribution("ERESUME", "localhost", mtls, "h2c://127.0.0.1:ORIGIN")
                + (function ? "    connectionFunctionAssociation: {id: revocation-check}\n" : "")
                + EdgeFixture.distribution("EOTHER", "other.test", mtls, "h2c://127.0.0.1:ORIGIN");
        return EdgeFixture.start(pki, distributions, """
                trustStores:
                  - {id: ts1, caCertificatesBundle: bundle.pem}
                keyValueStores:
                  - {name: revoked-serials, importSource: revoked.json}
                connectionFunctions:
                  - {name: revocation-check, code: revocation.js, keyValueStoreAssociations: [revoked-serials], timeout: 500ms}
                logging:
                  connectionLogs: {destination: logs/connection.log, format: json}
                """);
    }

    /** One s_client connection sending REQUEST; {@code session}: -sess_out on the first, -sess_in after. */
    private Proc connect(EdgeFixture edge, String tls, String sessionFlag, Path session) {
        return connect(edge, "localhost", tls, sessionFlag, session);
    }

    private Proc connect(EdgeFixture edge, String serverName, String tls, String sessionFlag, Path session) {
        List<String> cmd = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + edge.node.port(),
                "-servername", serverName, "-CAfile", edge.pki.path("root.pem"), "-ign_eof", tls,
                "-cert", edge.pki.path("resumer.pem"), "-key", edge.pki.path("resumer.key"),
                "-cert_chain", edge.pki.path("resumer-chain.pem"), sessionFlag, session.toString()));
        return Proc.run(cmd, REQUEST.getBytes());
    }

    private List<JsonNode> connectionRecords(EdgeFixture edge) throws Exception {
        assertThat(edge.node.flushLogs(Duration.ofSeconds(5))).isTrue();
        List<JsonNode> records = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("logs/connection.log"))) {
            records.add(JSON.readTree(line));
        }
        return records;
    }

    /** The certificate headers the origin echoed back, in order. */
    private static List<String> certificateHeaders(Proc p) {
        return p.stdout().lines().filter(l -> l.toLowerCase().contains("cloudfront-viewer-cert-")).toList();
    }

    private static boolean reused(Proc p) {
        return p.stdout().contains("Reused, TLSv1.3");
    }

    private static String etag(EdgeFixture edge, String store) {
        Proc describe = Proc.run(List.of("curl", "-sS", "-D", "-", "-o", "/dev/null",
                "http://127.0.0.1:" + edge.node.adminAddress().orElseThrow().getPort() + "/key-value-stores/" + store));
        Matcher m = Pattern.compile("(?im)^etag: *(\\S+)").matcher(describe.stdout());
        assertThat(m.find()).as(describe.stdout()).isTrue();
        return m.group(1);
    }

    @Test
    void aTls13ClientResumesAndTheConnectionLogSaysSo() throws Exception {
        try (EdgeFixture edge = start(true, false)) {
            Path session = dir.resolve("session.pem");
            Proc first = connect(edge, "-tls1_3", "-sess_out", session);
            assertThat(first.stdout()).contains("HTTP/1.1 200").contains("Post-Handshake New Session Ticket arrived");
            assertThat(reused(first)).isFalse();

            Proc again = connect(edge, "-tls1_3", "-sess_in", session);
            assertThat(reused(again)).as(again.stdout()).isTrue();
            assertThat(again.stdout()).contains("HTTP/1.1 200");

            List<JsonNode> records = connectionRecords(edge);
            assertThat(records).hasSize(2);
            assertThat(records.get(0).get("tlsSessionResumed").asBoolean()).isFalse();
            JsonNode resumed = records.get(1);
            assertThat(resumed.get("connectionStatus").asText()).isEqualTo("Success");
            assertThat(resumed.get("tlsSessionResumed").isBoolean()).isTrue();
            assertThat(resumed.get("tlsSessionResumed").asBoolean()).isTrue();
            assertThat(resumed.get("clientLeafCertSubject").asText()).isEqualTo("CN=resumer,OU=devices,O=Example");
            // the resumed connection's certificate headers are the full handshake's (the origin echoes them)
            assertThat(edge.origin.requests()).filteredOn(r -> r.contains("/resumed")).hasSize(2);
            assertThat(certificateHeaders(again)).isNotEmpty().isEqualTo(certificateHeaders(first));
        }
    }

    @Test
    void aTicketOfOneDistributionDoesNotResumeOnAnother() throws Exception {
        try (EdgeFixture edge = start(true, false)) {
            Path session = dir.resolve("session.pem");
            assertThat(connect(edge, "-tls1_3", "-sess_out", session).stdout()).contains("HTTP/1.1 200");
            Proc other = connect(edge, "other.test", "-tls1_3", "-sess_in", session);
            assertThat(reused(other)).as("each distribution's tickets have keys of their own").isFalse();
            assertThat(other.stdout()).contains("New, TLSv1.3"); // a full handshake instead
            assertThat(reused(connect(edge, "-tls1_3", "-sess_in", session))).isTrue();
        }
    }

    @Test
    void aSerialPutInTheKeyValueStoreAfterTheTicketRefusesTheResumption() throws Exception {
        try (EdgeFixture edge = start(true, true)) {
            Path session = dir.resolve("session.pem");
            assertThat(connect(edge, "-tls1_3", "-sess_out", session).stdout()).contains("HTTP/1.1 200");

            Proc put = Proc.run(List.of("curl", "-sS", "-X", "PUT", "-w", "\n%{http_code}", "-H",
                    "If-Match: " + etag(edge, "revoked-serials"), "--data", "{\"Value\":\"revoked after its ticket\"}",
                    "http://127.0.0.1:" + edge.node.adminAddress().orElseThrow().getPort()
                            + "/key-value-stores/revoked-serials/keys/01ce01"));
            assertThat(put.stdout()).endsWith("200");

            Proc again = connect(edge, "-tls1_3", "-sess_in", session);
            assertThat(reused(again)).as("the client did resume: " + again.stdout()).isTrue();
            assertThat(again.stdout()).doesNotContain("HTTP/1.1");
            JsonNode refused = connectionRecords(edge).get(1);
            assertThat(refused.get("connectionStatus").asText()).isEqualTo("Failed:ConnectionFunctionDenied");
            assertThat(refused.get("tlsSessionResumed").asBoolean()).isTrue();
            assertThat(edge.origin.requests()).filteredOn(r -> r.contains("/resumed")).hasSize(1);
        }
    }

    @Test
    void anIssuerTheTrustStoreDroppedRefusesTheResumption() throws Exception {
        try (EdgeFixture edge = start(true, false)) {
            Path session = dir.resolve("session.pem");
            assertThat(connect(edge, "-tls1_3", "-sess_out", session).stdout()).contains("HTTP/1.1 200");

            IssuedCertificate elsewhere = CertificateSpec.ca("CN=Elsewhere Root,O=Elsewhere").selfSigned();
            IssuedCertificate.writeString(dir.resolve("other.pem"), elsewhere.certificatePem());
            Path config = dir.resolve("edge.yaml");
            Files.writeString(config, Files.readString(config).replace("caCertificatesBundle: bundle.pem",
                    "caCertificatesBundle: other.pem"));
            assertThat(edge.admin("POST", "/reload").stdout()).endsWith("200");

            Proc again = connect(edge, "-tls1_3", "-sess_in", session);
            assertThat(reused(again)).as("the ticket outlives the reload: " + again.stdout()).isTrue();
            assertThat(again.stdout()).doesNotContain("HTTP/1.1");
            JsonNode refused = connectionRecords(edge).get(1);
            assertThat(refused.get("connectionStatus").asText()).startsWith("Failed:ClientCert");
            assertThat(refused.get("tlsSessionResumed").asBoolean()).isTrue();
        }
    }

    @Test
    void withTheFlagOffOrForATls12ClientNoTicketIsIssued() throws Exception {
        try (EdgeFixture edge = start(false, false)) {
            Path session = dir.resolve("off.pem");
            Proc first = connect(edge, "-tls1_3", "-sess_out", session);
            assertThat(first.stdout()).contains("HTTP/1.1 200").doesNotContain("New Session Ticket");
            // s_client saves only a session that can be resumed: with no ticket (and no cache) there is none
            assertThat(session).doesNotExist();
        }
        try (EdgeFixture edge = start(true, false)) {
            Path session = dir.resolve("tls12.pem");
            Proc first = connect(edge, "-tls1_2", "-sess_out", session);
            assertThat(first.stdout()).as(first.stderr()).contains("HTTP/1.1 200").doesNotContain("TLS session ticket:");
            assertThat(session).as("a TLS 1.2 ticket would resume without forward secrecy").doesNotExist();
            // while a TLS 1.3 client of the same node gets one
            Path tls13 = dir.resolve("tls13.pem");
            assertThat(connect(edge, "-tls1_3", "-sess_out", tls13).stdout()).contains("New Session Ticket");
            assertThat(tls13).exists();
        }
    }
}
