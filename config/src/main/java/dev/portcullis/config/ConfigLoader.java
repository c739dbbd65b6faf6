package dev.portcullis.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads a Portcullis configuration (YAML, or JSON) into a validated {@link EdgeConfig}. Every problem is
 * collected and reported at once, each under its key path; relative paths resolve against the folder of
 * the configuration file.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    public static EdgeConfig load(Path file) throws ConfigException {
        Path source = file.toAbsolutePath().normalize();
        String text;
        try {
            text = Files.readString(source, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new ConfigException(source, source.toString(), List.of("the file is not valid UTF-8"));
        } catch (IOException e) {
            throw new ConfigException(source, source.toString(), List.of("cannot read the file: " + describe(e)));
        }
        boolean json = source.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        Path baseDir = source.getParent() == null ? source.getRoot() : source.getParent();
        return bind(text, json, source, baseDir, source.toString());
    }

    /** Binds configuration text; relative paths resolve against {@code baseDir}, which is also the source. */
    public static EdgeConfig parse(String yaml, Path baseDir) throws ConfigException {
        Path base = baseDir.toAbsolutePath().normalize();
        return bind(yaml, false, base, base, "inline configuration (relative to " + base + ")");
    }

    /**
     * Binds the shared part of a configuration a fleet pushed ({@code distributions}, trust
     * stores, stores and functions) onto this node's own {@code server}, {@code logging} and
     * {@code fleet} from {@code local}. Paths resolve against {@code baseDir} (where the pushing
     * config was), then through {@code relocations} to where the node keeps the pushed files.
     */
    public static EdgeConfig parsePushed(String yaml, Path baseDir, java.util.Map<Path, Path> relocations, EdgeConfig local,
                                         String label) throws ConfigException {
        return bind(yaml, false, local.source(), baseDir.toAbsolutePath().normalize(), label, relocations, local);
    }

    private static EdgeConfig bind(String text, boolean json, Path source, Path baseDir, String label)
            throws ConfigException {
        return bind(text, json, source, baseDir, label, java.util.Map.of(), null);
    }

    private static EdgeConfig bind(String text, boolean json, Path source, Path baseDir, String label,
                                   java.util.Map<Path, Path> relocations, EdgeConfig local) throws ConfigException {
        Problems problems = new Problems();
        Optional<JsonNode> root = TreeReader.read(text, json, problems);
        Optional<EdgeConfig> config = root.flatMap(tree -> {
            if (tree.isMissingNode() || tree.isNull()) {
                problems.add("", "the configuration is empty");
                return Optional.empty();
            }
            return ConfigBinder.bind(new Node(tree, "", problems, baseDir, relocations), source, local);
        });
        if (!problems.isEmpty() || config.isEmpty()) {
            throw new ConfigException(source, label, problems.isEmpty() ? List.of("invalid configuration") : problems.list());
        }
        return config.get();
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file"
                : e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
