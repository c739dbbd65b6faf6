package dev.portcullis.logs;

import static dev.portcullis.logs.Fixtures.line;
import static dev.portcullis.logs.Fixtures.parseJson;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonLineFormatterTest {
    private final LineFormatter<ConnectionRecord> connections = LineFormatter.of(LogFormat.JSON,
            ConnectionLogSchema.INSTANCE);

    @Test
    void connectionRecordHasEveryFieldInOrderWithTypedValues() throws Exception {
        String text = line(connections, Fixtures.connection(7));

        assertThat(text).endsWith("}\n").doesNotContain("\n{");
        Map<String, Object> fields = parseJson(text);
        assertThat(fields.keySet()).containsExactly("eventTimestamp", "connectionId", "connectionStatus",
                "clientIp", "clientPort", "serverIp", "serverPort", "distributionId", "tlsProtocol", "tlsCipher",
                "tlsHandshakeDuration", "tlsSni", "clientLeafCertSerialNumber", "clientLeafCertSubject",
                "clientLeafCertIssuer", "clientLeafCertValidity", "connectionLogCustomData", "tlsSessionResumed");
        assertThat(fields).containsEntry("eventTimestamp", 1_767_225_600_007L)
                .containsEntry("connectionStatus", "Success")
                .containsEntry("clientPort", 50_007L)
                .containsEntry("serverPort", 443L)
                .containsEntry("tlsHandshakeDuration", "1.235")
                .containsEntry("tlsCipher", "TLS_AES_128_GCM_SHA256")
                .containsEntry("connectionLogCustomData", null)
                .containsEntry("tlsSessionResumed", false);
        assertThat(parseJson(line(connections, ConnectionRecord.builder().eventTimestamp(1).connectionId("r")
                .success().tlsSessionResumed(true).build()))).containsEntry("tlsSessionResumed", true);
    }

    @Test
    void missingValuesAreNull() throws Exception {
        ConnectionRecord failed = ConnectionRecord.builder().eventTimestamp(1).connectionId("c")
                .failed("ClientCertMissing").build();

        Map<String, Object> fields = parseJson(line(connections, failed));

        assertThat(fields).hasSize(18).containsEntry("connectionStatus", "Failed:ClientCertMissing")
                .containsEntry("tlsSessionResumed", false);
        assertThat(fields.values()).filteredOn(v -> v == null).hasSize(14);
        assertThat(line(connections, failed)).contains("\"clientPort\":null", "\"tlsHandshakeDuration\":null");
    }

    @Test
    void textWithQuotesBackslashNewlineControlAndUtf8RoundTrips() throws Exception {
        String subject = "CN=\"quoted\\, name\",O=back\\slash\nnext\rline\t\u0001\u001f,L=Zürich 日本 😀,OU=</script>";
        ConnectionRecord record = ConnectionRecord.builder().eventTimestamp(1)
                .clientLeafCert("01", subject, "CN=Issuer", null).connectionLogCustomData("{\"x\":1}").build();

        String text = line(connections, record);

        assertThat(text.indexOf('\n')).isEqualTo(text.length() - 1);
        assertThat(text).containsIgnoringCase("Zürich 日本 \\ud83d\\ude00"); // UTF-8 in the BMP, escapes beyond
        assertThat(parseJson(text)).containsEntry("clientLeafCertSubject", subject)
                .containsEntry("connectionLogCustomData", "{\"x\":1}");
    }

    @Test
    void randomStringsRoundTripAndStayOnOneLine() throws Exception {
        Random random = new Random(42);
        for (int n = 0; n < 2_000; n++) {
            String value = randomText(random, true);
            ConnectionRecord record = ConnectionRecord.builder().eventTimestamp(n).connectionLogCustomData(value)
                    .build();
            String text = line(connections, record);
            assertThat(text.indexOf('\n')).as("one line for %s", value).isEqualTo(text.length() - 1);
            assertThat(parseJson(text).get("connectionLogCustomData")).isEqualTo(value);
        }
    }

    @Test
    void unpairedSurrogatesArePreservedExactly() throws Exception {
        ConnectionRecord broken = ConnectionRecord.builder().eventTimestamp(1).tlsSni("a\uD800b")
                .connectionLogCustomData("x\uDC00").build();

        Map<String, Object> fields = parseJson(line(connections, broken));

        assertThat(fields).containsEntry("tlsSni", "a\uD800b").containsEntry("connectionLogCustomData", "x\uDC00");
        assertThat(parseJson(line(connections, Fixtures.connection(2)))).containsEntry("connectionId", "conn-2");
    }

    @Test
    void accessRecordUsesCloudFrontNamesAndSeconds() throws Exception {
        LineFormatter<AccessRecord> access = LineFormatter.of(LogFormat.JSON, AccessLogSchema.INSTANCE);
        AccessRecord record = AccessRecord.builder().timestamp(1_767_312_245_999L).status(502)
                .timeTaken(Duration.ofNanos(1_234_567_890)).timeToFirstByte(Duration.ofMillis(4)).build();

        Map<String, Object> fields = parseJson(line(access, record));

        assertThat(fields.keySet()).containsExactly("date", "time", "c-ip", "c-port", "cs-method", "cs(Host)",
                "cs-uri-stem", "cs-uri-query", "sc-status", "sc-bytes", "cs-bytes", "time-taken",
                "time-to-first-byte", "cs-protocol-version", "ssl-protocol", "ssl-cipher", "x-edge-request-id",
                "connection-id", "distribution-id", "x-origin-id", "c-cert-serial-number", "x-edge-result-type");
        assertThat(fields).containsEntry("date", "2026-01-02").containsEntry("time", "00:04:05")
                .containsEntry("sc-status", 502L).containsEntry("time-taken", "1.235")
                .containsEntry("time-to-first-byte", "0.004").containsEntry("sc-bytes", null)
                .containsEntry("c-port", null);
    }

    /** Short strings mixing controls, JSON/W3C specials, ASCII, BMP, pairs and (optionally) lone surrogates. */
    static String randomText(Random random, boolean loneSurrogates) {
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(12);
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(loneSurrogates ? 6 : 5)) {
                case 0 -> text.append((char) random.nextInt(0x20));           // control
                case 1 -> text.append("\"\\%\t -/\u007f".charAt(random.nextInt(8)));
                case 2 -> text.append((char) (0x20 + random.nextInt(0x5f)));  // printable ASCII
                case 3 -> text.append((char) (0xa0 + random.nextInt(0xd000))); // BMP, below surrogates
                case 4 -> text.appendCodePoint(0x10000 + random.nextInt(0x10000)); // surrogate pair
                default -> text.append((char) (0xd800 + random.nextInt(0x800)));   // lone surrogate
            }
        }
        return text.toString();
    }
}
