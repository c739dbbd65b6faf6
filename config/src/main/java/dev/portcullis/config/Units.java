package dev.portcullis.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations ({@code 250ms 10s 2m 1h 1d}) and sizes ({@code 512B 512KB 2MB 1GB}, powers of 1024). Whole
 * numbers only: a config value is written by a person, and {@code 1.5s} is {@code 1500ms}.
 */
final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)", Pattern.CASE_INSENSITIVE);
    static final String DURATION_FORMS = "250ms, 10s, 2m, 1h or 1d";
    static final String SIZE_FORMS = "512KB, 2MB or 1GB";

    private Units() {
    }

    /** @throws IllegalArgumentException with a message fit for the user */
    static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use " + DURATION_FORMS + ")");
        }
        long amount = amount(m.group(1), text);
        try {
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }

    /** @throws IllegalArgumentException with a message fit for the user */
    static long bytes(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (use " + SIZE_FORMS + ")");
        }
        long amount = amount(m.group(1), text);
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "B" -> 0;
            case "KB" -> 10;
            case "MB" -> 20;
            default -> 30;
        };
        if (amount > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
        return amount << shift;
    }

    private static long amount(String digits, String text) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large");
        }
    }
}
