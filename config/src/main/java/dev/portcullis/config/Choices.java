package dev.portcullis.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Enum values written in lower case in the configuration ({@code required}, {@code w3c}). */
final class Choices {
    private Choices() {
    }

    static <E extends Enum<E>> Optional<E> parse(Node node, Class<E> type, String what) {
        List<String> names = Arrays.stream(type.getEnumConstants()).map(Choices::yamlName).toList();
        return node.string().flatMap(text -> {
            for (E value : type.getEnumConstants()) {
                if (yamlName(value).equals(text)) {
                    return Optional.of(value);
                }
            }
            node.problem("unknown " + what + " '" + text + "' (expected " + String.join(", ", names) + ")");
            return Optional.empty();
        });
    }

    private static String yamlName(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
