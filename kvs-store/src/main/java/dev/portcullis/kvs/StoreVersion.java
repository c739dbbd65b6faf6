package dev.portcullis.kvs;

import java.time.Instant;
import java.util.Objects;

/**
 * Where one store stands in its backend: which incarnation (a store deleted from the database and
 * created again gets a new one, so an ETag of the old store never matches the new) and how many
 * writes it has taken.
 */
public record StoreVersion(String incarnation, long version, Instant created, Instant lastModified) {
    public StoreVersion {
        Objects.requireNonNull(incarnation, "incarnation");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(lastModified, "lastModified");
    }

    /** Opaque to clients, as CloudFront's: what {@code If-Match} must carry to write. */
    public String etag() {
        return incarnation + "-" + version;
    }

    /**
     * Whether {@code ifMatch} names this version: one tag or a comma-separated list, each quoted or
     * not (as HTTP clients send them). A weak tag never matches a write (RFC 9110 13.1.1), and
     * {@code *} does not either: every write must say which version it was made against.
     */
    public boolean matches(String ifMatch) {
        return strongTags(ifMatch).contains(etag());
    }

    /** The strong entity tags of an {@code If-Match} value, unquoted, in order (weak ones left out). */
    public static java.util.List<String> strongTags(String ifMatch) {
        java.util.List<String> tags = new java.util.ArrayList<>();
        for (String part : ifMatch.split(",")) {
            String tag = part.strip();
            if (tag.startsWith("W/")) {
                continue;
            }
            if (tag.length() >= 2 && tag.startsWith("\"") && tag.endsWith("\"")) {
                tag = tag.substring(1, tag.length() - 1);
            }
            tags.add(tag);
        }
        return tags;
    }

    StoreVersion next(Instant at) {
        return new StoreVersion(incarnation, version + 1, created, at);
    }
}
