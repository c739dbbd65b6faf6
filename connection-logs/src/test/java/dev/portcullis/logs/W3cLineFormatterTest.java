package dev.portcullis.logs;

import static dev.portcullis.logs.Fixtures.line;
import static dev.portcullis.logs.Fixtures.percentDecode;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class W3cLineFormatterTest {
    private final LineFormatter<AccessRecord> access = LineFormatter.of(LogFormat.W3C, AccessLogSchema.INSTANCE);
    private final LineFormatter<ConnectionRecord> connections = LineFormatter.of(LogFormat.W3C,
            ConnectionLogSchema.INSTANCE);

    @Test
    void headerHasVersionAndFieldsLines() {
        assertThat(new String(access.header(), StandardCharsets.US_ASCII)).isEqualTo("""
                #Version: 1.0
                #Fields: date time c-ip c-port cs-method cs(Host) cs-uri-stem cs-uri-query sc-status sc-bytes \
                cs-bytes time-taken time-to-first-byte cs-protocol-version ssl-protocol ssl-cipher \
                x-edge-request-id connection-id distribution-id x-origin-id c-cert-serial-number \
                x-edge-result-type
                """);
        assertThat(new String(connections.header(), StandardCharsets.US_ASCII))
                .startsWith("#Version: 1.0\n#Fields: eventTimestamp connectionId connectionStatus clientIp ")
                .endsWith(" clientLeafCertValidity connectionLogCustomData tlsSessionResumed\n");
    }

    @Test
    void accessLineIsTabSeparatedInHeaderOrder() throws Exception {
        String text = line(access, Fixtures.access(5));

        assertThat(text).isEqualTo(String.join("\t", "2026-01-01", "00:00:00", "192.0.2.10", "50000", "GET",
                "api.example.com", "/items/5", "a=1&b=2", "200", "1234", "87", "0.012", "0.003", "HTTP/2.0",
                "TLSv1.3", "TLS_AES_128_GCM_SHA256", "req-5", "conn-5", "EDFDVBD6EXAMPLE", "origin-1", "0a:1b:2c",
                "Miss") + "\n");
    }

    @Test
    void absentAndEmptyValuesAreDashes() throws Exception {
        String text = line(connections, ConnectionRecord.builder().eventTimestamp(9).tlsSni("").build());

        String[] fields = text.substring(0, text.length() - 1).split("\t", -1);
        assertThat(fields).hasSize(18);
        assertThat(fields[0]).isEqualTo("9");
        assertThat(java.util.Arrays.copyOfRange(fields, 1, 17)).containsOnly("-");
        assertThat(fields[17]).isEqualTo("false");
    }

    @Test
    void unsafeCharactersArePercentEncoded() throws Exception {
        String subject = "CN=a b\tc\nd%e\u0000\u007f,O=Zürich 😀";
        ConnectionRecord record = ConnectionRecord.builder().eventTimestamp(1)
                .clientLeafCert("-", subject, "CN=\"q\\\"", null).build();

        String[] fields = line(connections, record).split("\t", -1);

        assertThat(fields[12]).isEqualTo("%2D");
        assertThat(fields[13]).isEqualTo("CN=a%20b%09c%0Ad%25e%00%7F,O=Z%C3%BCrich%20%F0%9F%98%80");
        assertThat(fields[14]).isEqualTo("CN=\"q\\\"");
        assertThat(percentDecode(fields[13])).isEqualTo(subject);
    }

    @Test
    void randomStringsNeverBreakTheLineAndDecodeBack() throws Exception {
        Random random = new Random(7);
        for (int n = 0; n < 2_000; n++) {
            String value = JsonLineFormatterTest.randomText(random, false);
            String text = line(connections, ConnectionRecord.builder().eventTimestamp(n)
                    .connectionLogCustomData(value).build());

            assertThat(text.indexOf('\n')).isEqualTo(text.length() - 1);
            assertThat(text.chars()).allMatch(c -> c == '\t' || c == '\n' || c > ' ' && c < 0x7f);
            String[] fields = text.substring(0, text.length() - 1).split("\t", -1);
            assertThat(fields).hasSize(18);
            String expected = value.isEmpty() ? "-" : value;
            assertThat(percentDecode(fields[16])).isEqualTo(expected);
        }
    }

    @Test
    void unpairedSurrogateBecomesReplacementCharacter() throws Exception {
        String text = line(connections, ConnectionRecord.builder().tlsSni("a\uDC00b").build());

        assertThat(text.split("\t")[11]).isEqualTo("a%EF%BF%BDb");
    }

    @Test
    void durationsAreFixedPointWithThreeDecimals() throws Exception {
        AccessRecord record = AccessRecord.builder().timeTaken(Duration.ofNanos(400_000))
                .timeToFirstByte(Duration.ofSeconds(75)).build();

        String[] fields = line(access, record).split("\t");

        assertThat(fields[11]).isEqualTo("0.000");
        assertThat(fields[12]).isEqualTo("75.000");
        assertThat(fields[9]).isEqualTo("-"); // sc-bytes unknown
    }
}
