package dev.portcullis.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Text to a tree, failing on duplicate keys (YAML would otherwise keep the last one silently). Input
 * that opens with '{' is tried as JSON first: JSON is YAML, except that YAML forbids the tab indentation
 * JSON files often have.
 */
final class TreeReader {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build())
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private TreeReader() {
    }

    /** The document's root, or empty with the syntax problem reported. */
    static Optional<JsonNode> read(String text, boolean json, Problems problems) {
        boolean looksLikeJson = json || text.stripLeading().startsWith("{");
        if (looksLikeJson) {
            try {
                return Optional.of(JSON.readTree(text));
            } catch (JsonProcessingException e) {
                if (json || e.getOriginalMessage().startsWith("Duplicate field")) {
                    report(e, problems);
                    return Optional.empty();
                }
                // Not JSON after all: a YAML flow mapping such as {server: {...}}.
            }
        }
        try {
            return Optional.of(YAML.readTree(text));
        } catch (JsonProcessingException e) {
            report(e, problems);
            return Optional.empty();
        }
    }

    private static void report(JsonProcessingException e, Problems problems) {
        String path = e.getProcessor() instanceof JsonParser parser ? path(parser.getParsingContext()) : "";
        if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
            Mark mark = yaml.getProblemMark();
            String context = yaml.getContext() == null ? "" : " (" + yaml.getContext() + ")";
            // An unquoted [::1]:8443 opens a YAML list; say so, since the error alone does not.
            String hint = context.contains("flow") ? "; a value starting with '[' or '{' is a YAML list or mapping,"
                    + " quote it if it is text, as in listen: \"[::1]:8443\"" : "";
            problems.add("", "YAML syntax error at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1)
                    + ": " + yaml.getProblem() + context + hint);
            return;
        }
        String where = e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
        String message = e.getOriginalMessage().startsWith("Duplicate field")
                ? "duplicate key" + where + "; each key may appear once"
                : "syntax error" + where + ": " + e.getOriginalMessage().lines().findFirst().orElse("");
        problems.add(path, message);
    }

    /** The parser's position as a key path: {@code distributions[0].id}. */
    private static String path(JsonStreamContext context) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.push("[" + Math.max(c.getCurrentIndex(), 0) + "]");
            } else if (c.getCurrentName() != null) {
                parts.push("." + c.getCurrentName());
            }
        }
        String path = String.join("", parts);
        return path.startsWith(".") ? path.substring(1) : path;
    }
}
