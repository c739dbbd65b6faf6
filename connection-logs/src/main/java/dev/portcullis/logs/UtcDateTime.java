package dev.portcullis.logs;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * The UTC date and time strings of a timestamp, cached for the current second: a busy log formats many
 * records per second, so the calendar arithmetic runs about once a second instead of once a record.
 * Not thread-safe; one per formatter.
 */
final class UtcDateTime {
    private long cachedSecond = Long.MIN_VALUE;
    private String date;
    private String time;

    void set(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != cachedSecond) {
            LocalDateTime t = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
            date = String.format("%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
            time = String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
            cachedSecond = second;
        }
    }

    String date() {
        return date;
    }

    String time() {
        return time;
    }
}
