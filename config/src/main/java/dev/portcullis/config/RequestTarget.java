package dev.portcullis.config;

/**
 * A request target (origin-form, {@code /path?query}) split once, the same way wherever it is read:
 * cache behavior matching, the access log's {@code cs-uri-stem} / {@code cs-uri-query}, the admin
 * API's routes. The query starts at the first {@code ?}; a fragment never reaches a server.
 */
public final class RequestTarget {
    private RequestTarget() {
    }

    /** The path, without the query string. */
    public static String path(String target) {
        int query = target.indexOf('?');
        return query < 0 ? target : target.substring(0, query);
    }

    /** The query string without its {@code ?}, or null when there is none ({@code /a?} has an empty one). */
    public static String query(String target) {
        int query = target.indexOf('?');
        return query < 0 ? null : target.substring(query + 1);
    }
}
