package dev.portcullis.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One value of the YAML tree at a key path. Every conversion reports what is wrong with the value to
 * {@link Problems} under that path and returns empty, so binding carries on and finds the next problem.
 * An absent key and an explicit null are the same: not given.
 */
final class Node {
    private final JsonNode json;
    private final String path;
    private final Problems problems;
    private final Path baseDir;
    /** Files that live elsewhere than the text says (a fleet push's, in the node's data directory). */
    private final java.util.Map<Path, Path> relocations;

    Node(JsonNode json, String path, Problems problems, Path baseDir) {
        this(json, path, problems, baseDir, java.util.Map.of());
    }

    Node(JsonNode json, String path, Problems problems, Path baseDir, java.util.Map<Path, Path> relocations) {
        this.json = json;
        this.path = path;
        this.problems = problems;
        this.baseDir = baseDir;
        this.relocations = relocations;
    }

    String keyPath() {
        return path;
    }

    boolean present() {
        return json != null && !json.isNull() && !json.isMissingNode();
    }

    void problem(String message) {
        problems.add(path, message);
    }

    Problems problems() {
        return problems;
    }

    Node child(JsonNode value, String childPath) {
        return new Node(value, childPath, problems, baseDir, relocations);
    }

    Optional<String> string() {
        // YAML reads unquoted 123, on or yes as a number or a boolean; say how to get text instead.
        String expected = json != null && (json.isNumber() || json.isBoolean()) ? "a string (quote the value)" : "a string";
        if (!present() || !expect(json.isTextual(), expected)) {
            return Optional.empty();
        }
        if (json.asText().isBlank()) {
            problem("must not be empty");
            return Optional.empty();
        }
        return Optional.of(json.asText());
    }

    Optional<String> requiredString() {
        return required("a string") ? string() : Optional.empty();
    }

    Optional<Boolean> bool() {
        return present() && expect(json.isBoolean(), "a boolean (true or false)")
                ? Optional.of(json.booleanValue()) : Optional.empty();
    }

    /** A whole number, at least {@code min}. */
    Optional<Integer> integer(int min) {
        if (!present() || !expect(json.isIntegralNumber() && json.canConvertToInt(), "a whole number")) {
            return Optional.empty();
        }
        if (json.intValue() < min) {
            problem("must be at least " + min + ", got " + json.intValue());
            return Optional.empty();
        }
        return Optional.of(json.intValue());
    }

    /** A positive duration such as {@code 10s}. */
    Optional<Duration> duration() {
        return unitValue("a duration (" + Units.DURATION_FORMS + ")", Units::duration)
                .filter(d -> positive(!d.isZero()));
    }

    /** A positive size in bytes such as {@code 2MB}. */
    Optional<Long> size() {
        return unitValue("a size (" + Units.SIZE_FORMS + ")", Units::bytes).filter(b -> positive(b > 0));
    }

    /** A path, resolved against the configuration file's folder; the file need not exist. */
    Optional<Path> filePath() {
        return string().flatMap(this::resolve);
    }

    /** {@code text}, read from this node, as a path against the configuration file's folder. */
    Optional<Path> resolve(String text) {
        try {
            Path resolved = baseDir.resolve(text).normalize();
            return Optional.of(relocations.getOrDefault(resolved, resolved));
        } catch (InvalidPathException e) {
            problem("'" + text + "' is not a valid path: " + e.getReason());
            return Optional.empty();
        }
    }

    /** An existing, readable regular file; the message names the resolved path. */
    Optional<Path> file() {
        return filePath().filter(file -> {
            String problem = !Files.exists(file) ? "file not found: "
                    : !Files.isRegularFile(file) ? "not a regular file: "
                    : !Files.isReadable(file) ? "file not readable: " : null;
            if (problem != null) {
                problem(problem + file);
            }
            return problem == null;
        });
    }

    Optional<Path> requiredFile() {
        return required("a file path") ? file() : Optional.empty();
    }

    Optional<Mapping> mapping(String... knownKeys) {
        return present() && expect(json.isObject(), "a mapping")
                ? Optional.of(new Mapping(this, json, List.of(knownKeys))) : Optional.empty();
    }

    Optional<Mapping> requiredMapping(String... knownKeys) {
        return required("a mapping") ? mapping(knownKeys) : Optional.empty();
    }

    /** The elements of a list, each with its own path ({@code origins[2]}); empty when absent or not a list. */
    List<Node> items() {
        List<Node> items = new ArrayList<>();
        if (present() && expect(json.isArray(), "a list")) {
            for (int i = 0; i < json.size(); i++) {
                items.add(child(json.get(i), path + "[" + i + "]"));
            }
        }
        return items;
    }

    /** A list with at least one element. */
    List<Node> requiredItems() {
        if (!required("a list")) {
            return List.of();
        }
        List<Node> items = items();
        if (json.isArray() && items.isEmpty()) {
            problem("must list at least one entry");
        }
        return items;
    }

    boolean required(String expected) {
        if (!present()) {
            problem("is required (" + expected + ")");
        }
        return present();
    }

    private boolean expect(boolean ok, String expected) {
        if (!ok) {
            problem("expected " + expected + ", got " + describe(json));
        }
        return ok;
    }

    private boolean positive(boolean ok) {
        if (!ok) {
            problem("must be positive, got " + json.asText());
        }
        return ok;
    }

    private <T> Optional<T> unitValue(String expected, java.util.function.Function<String, T> parse) {
        if (!present() || !expect(json.isTextual(), expected)) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse.apply(json.asText()));
        } catch (IllegalArgumentException e) {
            problem(e.getMessage());
            return Optional.empty();
        }
    }

    private static String describe(JsonNode value) {
        return switch (value.getNodeType()) {
            case OBJECT -> "a mapping";
            case ARRAY -> "a list";
            case STRING -> "the string '" + value.asText() + "'";
            case NUMBER -> "the number " + value.asText();
            case BOOLEAN -> "the boolean " + value.asText();
            default -> value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
