package dev.portcullis.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A configuration that cannot be used, with every problem found in it. Each problem names its key path
 * ({@code distributions[0].origins[1].url: ...}); the message lists them one per line under the file name.
 */
public final class ConfigException extends Exception {
    private final transient Path source;
    private final List<String> problems;

    /** @param label how the message names the input: the file, or a note that it was inline text */
    ConfigException(Path source, String label, List<String> problems) {
        super(render(label, problems));
        this.source = Objects.requireNonNull(source, "source");
        this.problems = List.copyOf(problems);
        if (this.problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
    }

    /** The configuration file (for {@link ConfigLoader#parse}, the base directory). */
    public Path source() {
        return source;
    }

    /** Every problem, each {@code key.path: what is wrong}, in the order found. */
    public List<String> problems() {
        return problems;
    }

    private static String render(String label, List<String> problems) {
        StringBuilder message = new StringBuilder()
                .append(label).append(": ")
                .append(problems.size()).append(problems.size() == 1 ? " problem" : " problems")
                .append(" in the configuration");
        for (String problem : problems) {
            message.append(System.lineSeparator()).append("  ").append(problem);
        }
        return message.toString();
    }
}
