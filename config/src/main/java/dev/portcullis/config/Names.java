package dev.portcullis.config;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Ids and names of configured things (distributions, origins, trust stores, stores, functions): checked
 * for shape, since they end up in logs and headers, and for uniqueness within their kind.
 */
final class Names {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private final String kind;
    private final Map<String, String> firstSeenAt = new LinkedHashMap<>();

    /** @param kind what the ids name, for messages: "trust store id" */
    Names(String kind) {
        this.kind = kind;
    }

    /** Reads a required id at {@code node}, checks its shape and that it was not used before. */
    Optional<String> claim(Node node) {
        Optional<String> id = node.requiredString().filter(value -> {
            if (!ID.matcher(value).matches()) {
                node.problem("'" + value + "' is not a valid " + kind
                        + " (letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128)");
                return false;
            }
            String earlier = firstSeenAt.putIfAbsent(value, node.keyPath());
            if (earlier != null) {
                node.problem("duplicate " + kind + " '" + value + "' (first used at " + earlier + ")");
                return false;
            }
            return true;
        });
        return id;
    }

    Collection<String> known() {
        return firstSeenAt.keySet();
    }

    boolean contains(String id) {
        return firstSeenAt.containsKey(id);
    }

    /** A required reference at {@code node} to an id of this kind; reports it when missing or unknown. */
    static Optional<String> reference(Node node, Names names, String what) {
        String article = "aeiou".indexOf(names.kind.charAt(0)) >= 0 ? "an " : "a ";
        return (node.required(article + names.kind) ? node.string() : Optional.<String>empty())
                .filter(reference -> resolve(node, reference, names, what));
    }

    /** Reports a reference at {@code node} to an id of this kind that does not exist. */
    static boolean resolve(Node node, String reference, Names names, String what) {
        if (names.contains(reference)) {
            return true;
        }
        String known = names.known().isEmpty() ? "none" : String.join(", ", names.known());
        node.problem("unknown " + what + " '" + reference + "' (known: " + known + ")");
        return false;
    }
}
