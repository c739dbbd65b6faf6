package dev.portcullis.truststore;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** ISO-8601 UTC instants at second precision, the one date format of headers and logs. */
public final class Iso {
    private Iso() {
    }

    /** {@code 2025-01-01T00:00:00Z}. */
    public static String seconds(Instant instant) {
        return instant.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
