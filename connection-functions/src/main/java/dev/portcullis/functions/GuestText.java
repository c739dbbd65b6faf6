package dev.portcullis.functions;

/** Text helpers shared by the codecs: one-line messages and bootstrap.js's encoded outcome. */
final class GuestText {
    private GuestText() {
    }

    static String oneLine(String message) {
        String line = message == null ? "" : message.replaceAll("\\s+", " ").strip();
        return line.length() <= 300 ? line : line.substring(0, 300) + "...";
    }

    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).strip();
    }

    /** Cuts {@code s} to at most {@code maxBytes} of UTF-8 without splitting a character. */
    static String truncateUtf8(String s, int maxBytes) {
        int bytes = 0;
        for (int i = 0; i < s.length(); ) {
            int codePoint = s.codePointAt(i);
            int size = codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                return s.substring(0, i);
            }
            bytes += size;
            i += Character.charCount(codePoint);
        }
        return s;
    }

    /** Reads bootstrap.js's encoded outcome: numbers ended by ':', strings as {@code length:chars}. */
    static final class OutcomeReader {
        private final String encoded;
        private int at;

        OutcomeReader(String encoded) {
            this.encoded = encoded;
        }

        int number() {
            int end = encoded.indexOf(':', at);
            int value = Integer.parseInt(encoded, at, end, 10);
            at = end + 1;
            return value;
        }

        /** A field that may be absent (written as length -1): null then. */
        String optionalField() {
            int length = number();
            if (length < 0) {
                return null;
            }
            String value = encoded.substring(at, at + length);
            at += length;
            return value;
        }

        String field() {
            int length = number();
            String value = encoded.substring(at, at + length);
            at += length;
            return value;
        }
    }
}
