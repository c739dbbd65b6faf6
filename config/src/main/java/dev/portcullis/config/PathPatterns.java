package dev.portcullis.config;

/**
 * Wildcard matching for CloudFront path patterns. Greedy with one backtrack point (the last {@code *}),
 * which is linear-ish in practice and, unlike a regular expression, has no catastrophic inputs.
 */
final class PathPatterns {
    private PathPatterns() {
    }

    static boolean matches(String pattern, String path) {
        int p = 0;
        int s = 0;
        int star = -1;
        int starMatch = 0;
        while (s < path.length()) {
            if (p < pattern.length() && (pattern.charAt(p) == '?' || pattern.charAt(p) == path.charAt(s))) {
                p++;
                s++;
            } else if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                starMatch = s;
            } else if (star >= 0) {
                // Let the last star swallow one more character and retry from there.
                p = star + 1;
                s = ++starMatch;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
