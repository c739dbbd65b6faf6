package dev.portcullis.config;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** DNS names as distributions use them: exact names and one-label wildcards ({@code *.example.com}). */
final class DomainNames {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private DomainNames() {
    }

    /** Why the (lower-cased) name is not a valid domain name, or empty when it is. */
    static Optional<String> invalidReason(String name) {
        String rest = name.startsWith("*.") ? name.substring(2) : name;
        if (name.length() > 253) {
            return Optional.of("'" + name + "' is longer than 253 characters");
        }
        if (rest.contains("*")) {
            return Optional.of("'" + name + "': a wildcard must be the whole first label, as in *.example.com");
        }
        for (String label : rest.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return Optional.of("'" + name + "' is not a valid DNS name (labels of letters, digits and"
                        + " inner hyphens, 1 to 63 characters, separated by single dots)");
            }
        }
        return Optional.empty();
    }

    static String canonical(String host) {
        String lower = host.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    static boolean matchesExactly(String name, String host) {
        return name.equals(canonical(host));
    }

    /** {@code *.example.com} matches {@code a.example.com} but neither {@code example.com} nor {@code a.b.example.com}. */
    static boolean matches(String name, String host) {
        String h = canonical(host);
        if (!name.startsWith("*.")) {
            return name.equals(h);
        }
        int dot = h.indexOf('.');
        return dot > 0 && h.substring(dot).equals(name.substring(1));
    }
}
