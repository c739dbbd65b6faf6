package dev.portcullis.testkit;

import java.util.Random;

/**
 * Seeded mutations of a text input for property tests of the readers that face operators' files
 * (config, PEM, KeyValueStore imports): delete, duplicate or swap lines, flip characters to ones
 * these formats treat specially, truncate, insert junk. The same seed gives the same input, so a
 * failure names the seed that reproduces it.
 */
public final class TextMutator {
    private static final String SPECIAL = ":{}[],'\"#&*!|>%@`-\t\n\r \\/=0123456789aZ\u00e9\u0000\ufffd";

    private TextMutator() {
    }

    public static String mutate(String text, long seed) {
        Random random = new Random(seed);
        String out = text;
        int rounds = 1 + random.nextInt(4);
        for (int r = 0; r < rounds; r++) {
            out = once(out, random);
        }
        return out;
    }

    private static String once(String text, Random random) {
        if (text.isEmpty()) {
            return String.valueOf(SPECIAL.charAt(random.nextInt(SPECIAL.length())));
        }
        String[] lines = text.split("\n", -1);
        int at = random.nextInt(text.length());
        int line = random.nextInt(lines.length);
        switch (random.nextInt(8)) {
            case 0 -> {
                return text.substring(0, at) + text.substring(Math.min(text.length(), at + 1 + random.nextInt(8)));
            }
            case 1 -> {
                return text.substring(0, at) + SPECIAL.charAt(random.nextInt(SPECIAL.length())) + text.substring(at + 1);
            }
            case 2 -> {
                return text.substring(0, at);
            }
            case 3 -> {
                lines[line] = "";
                return String.join("\n", lines);
            }
            case 4 -> {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < lines.length; i++) {
                    b.append(lines[i]).append('\n');
                    if (i == line) {
                        b.append(lines[i]).append('\n');
                    }
                }
                return b.toString();
            }
            case 5 -> {
                int other = random.nextInt(lines.length);
                String swap = lines[line];
                lines[line] = lines[other];
                lines[other] = swap;
                return String.join("\n", lines);
            }
            case 6 -> {
                return text.substring(0, at) + text.substring(at, Math.min(text.length(), at + 40)).repeat(1 + random.nextInt(50))
                        + text.substring(at);
            }
            default -> {
                lines[line] = " ".repeat(random.nextInt(6)) + lines[line].stripLeading();
                return String.join("\n", lines);
            }
        }
    }
}
