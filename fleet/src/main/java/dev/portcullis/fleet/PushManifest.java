package dev.portcullis.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code fleet push} puts at {@code P config}: the shared part of a configuration (its text
 * without {@code server}, {@code logging} and {@code fleet}, which stay each node's own), where it
 * was pushed from (relative paths in it resolve against that folder), and the SHA-256 of every
 * file it names by the absolute path it had there. The files themselves are at {@code P files/SHA256}.
 */
record PushManifest(String source, String baseDir, String config, Map<String, String> files, String pushedAt,
                    String pushedFrom) {
    private static final ObjectMapper JSON = new ObjectMapper();

    PushManifest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(baseDir, "baseDir");
        Objects.requireNonNull(config, "config");
        files = Map.copyOf(files);
    }

    String json() {
        ObjectNode node = JSON.createObjectNode();
        node.put("format", 1);
        node.put("source", source);
        node.put("baseDir", baseDir);
        node.put("config", config);
        ObjectNode f = node.putObject("files");
        new java.util.TreeMap<>(files).forEach(f::put);
        node.put("pushedAt", pushedAt);
        node.put("pushedFrom", pushedFrom);
        return node.toString();
    }

    /** @throws IllegalArgumentException naming what is missing, for a value {@code fleet push} did not write */
    static PushManifest parse(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (node.path("format").asInt() != 1) {
            throw new IllegalArgumentException("not a push of this version (format " + node.path("format") + ")");
        }
        for (String field : new String[] {"source", "baseDir", "config"}) {
            if (!node.path(field).isTextual()) {
                throw new IllegalArgumentException("the push has no " + field);
            }
        }
        Map<String, String> files = new LinkedHashMap<>();
        node.path("files").fields().forEachRemaining(e -> {
            if (!e.getValue().asText().matches("[0-9a-f]{64}") || !Path.of(e.getKey()).isAbsolute()) {
                throw new IllegalArgumentException("the push names a file oddly: " + e.getKey());
            }
            files.put(e.getKey(), e.getValue().asText());
        });
        return new PushManifest(node.get("source").asText(), node.get("baseDir").asText(), node.get("config").asText(),
                files, node.path("pushedAt").asText(""), node.path("pushedFrom").asText(""));
    }
}
