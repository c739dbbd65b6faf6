package dev.portcullis.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.kvs.StoreVersion;
import java.time.Instant;
import java.util.Objects;

/** The value of a store's {@code meta} key: which incarnation holds its keys, and its times. */
record StoreMeta(String incarnation, Instant created, Instant lastModified) {
    private static final ObjectMapper JSON = new ObjectMapper();

    StoreMeta {
        Objects.requireNonNull(incarnation, "incarnation");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(lastModified, "lastModified");
    }

    String json() {
        return "{\"incarnation\":\"" + incarnation + "\",\"created\":" + created.toEpochMilli() + ",\"lastModified\":"
                + lastModified.toEpochMilli() + "}";
    }

    /** @throws IllegalArgumentException naming what is wrong, for a value no node wrote */
    static StoreMeta parse(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            String incarnation = node.path("incarnation").asText("");
            if (!incarnation.matches("[0-9a-f]{1,32}") || !node.path("created").isIntegralNumber()
                    || !node.path("lastModified").isIntegralNumber()) {
                throw new IllegalArgumentException("not a store's meta value: " + json);
            }
            return new StoreMeta(incarnation, Instant.ofEpochMilli(node.get("created").asLong()),
                    Instant.ofEpochMilli(node.get("lastModified").asLong()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
    }

    /** The store's version at the meta key's mod revision. */
    StoreVersion at(long modRevision) {
        return new StoreVersion(incarnation, modRevision, created, lastModified);
    }
}
