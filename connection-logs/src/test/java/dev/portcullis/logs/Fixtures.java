package dev.portcullis.logs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Records, a JSON line reader and a condition wait shared by the tests. */
final class Fixtures {
    private static final JsonFactory JSON = new JsonFactory();

    private Fixtures() {
    }

    static ConnectionRecord connection(int i) {
        return ConnectionRecord.builder()
                .eventTimestamp(1_767_225_600_000L + i)
                .connectionId("conn-" + i)
                .success()
                .client("192.0.2.10", 50_000 + i % 10_000)
                .server("198.51.100.1", 443)
                .distributionId("EDFDVBD6EXAMPLE")
                .tls("TLSv1.3", "TLS_AES_128_GCM_SHA256", Duration.ofNanos(1_234_567))
                .tlsSni("api.example.com")
                .clientLeafCert("0a:1b:2c", "CN=device-" + i + ",O=Example", "CN=Example Device CA",
                        "NotBefore=2026-01-01T00:00:00Z;NotAfter=2027-01-01T00:00:00Z")
                .build();
    }

    static AccessRecord access(int i) {
        return AccessRecord.builder()
                .timestamp(1_767_225_600_000L + i)
                .client("192.0.2.10", 50_000)
                .request("GET", "api.example.com", "/items/" + i, "a=1&b=2")
                .status(200)
                .bytes(1234, 87)
                .timeTaken(Duration.ofMillis(12))
                .timeToFirstByte(Duration.ofMillis(3))
                .protocolVersion("HTTP/2.0")
                .ssl("TLSv1.3", "TLS_AES_128_GCM_SHA256")
                .requestId("req-" + i)
                .connectionId("conn-" + i)
                .distributionId("EDFDVBD6EXAMPLE")
                .originId("origin-1")
                .clientCertSerialNumber("0a:1b:2c")
                .resultType("Miss")
                .build();
    }

    /** One JSON object line as an ordered map; strings, longs, decimals (as their text), booleans and nulls. */
    static Map<String, Object> parseJson(String line) {
        try (JsonParser parser = JSON.createParser(line)) {
            Map<String, Object> fields = new LinkedHashMap<>();
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new AssertionError("not an object: " + line);
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                fields.put(name, switch (value) {
                    case VALUE_STRING -> parser.getText();
                    case VALUE_NUMBER_INT -> parser.getLongValue();
                    case VALUE_NUMBER_FLOAT -> parser.getText();
                    case VALUE_NULL -> null;
                    case VALUE_TRUE -> Boolean.TRUE;
                    case VALUE_FALSE -> Boolean.FALSE;
                    default -> throw new AssertionError("unexpected " + value + " in " + line);
                });
            }
            if (parser.nextToken() != null) {
                throw new AssertionError("trailing content in " + line);
            }
            return fields;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> String line(LineFormatter<T> formatter, T record) throws IOException {
        ByteLine line = new ByteLine(1024);
        formatter.format(record, line);
        return new String(line.array(), 0, line.size(), StandardCharsets.UTF_8);
    }

    /** Reverses the W3C escaping: %XX bytes, decoded as UTF-8. */
    static String percentDecode(String value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                bytes.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for a condition with a deadline; no fixed sleeps. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
