package dev.portcullis.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;

/**
 * A YAML mapping whose keys are a fixed contract. Unknown keys are reported when it is opened (with a
 * "did you mean" when one is close), because a misspelt optional key would otherwise be silently ignored.
 */
final class Mapping {
    private final Node node;
    private final JsonNode json;
    private final List<String> knownKeys;

    Mapping(Node node, JsonNode json, List<String> knownKeys) {
        this.node = node;
        this.json = json;
        this.knownKeys = knownKeys;
        for (Iterator<String> keys = json.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!knownKeys.contains(key)) {
                node.problems().add(pathOf(key), "unknown key" + Suggestions.closest(key, knownKeys)
                        .map(c -> " (did you mean '" + c + "'?)")
                        .orElse(" (known keys: " + String.join(", ", knownKeys) + ")"));
            }
        }
    }

    /** The value at {@code key}, possibly absent. */
    Node get(String key) {
        if (!knownKeys.contains(key)) {
            throw new IllegalArgumentException("binder asked for undeclared key " + key + " at " + node.keyPath());
        }
        return node.child(json.get(key), pathOf(key));
    }

    private String pathOf(String key) {
        return node.keyPath().isEmpty() ? key : node.keyPath() + "." + key;
    }
}
