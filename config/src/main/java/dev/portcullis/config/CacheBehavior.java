package dev.portcullis.config;

import java.util.Objects;

/**
 * Which origin serves the paths matching a CloudFront path pattern: {@code *} matches any characters
 * including {@code /}, {@code ?} exactly one, everything else itself (case-sensitive). As in CloudFront the
 * leading {@code /} is optional: {@code images/*} and {@code /images/*} are the same pattern.
 */
public record CacheBehavior(String pathPattern, String targetOriginId, FunctionAssociations functionAssociations) {
    /** The default behavior's pattern: everything. */
    public static final String DEFAULT_PATH_PATTERN = "*";

    public CacheBehavior(String pathPattern, String targetOriginId) {
        this(pathPattern, targetOriginId, FunctionAssociations.NONE);
    }

    public CacheBehavior {
        Objects.requireNonNull(pathPattern, "pathPattern");
        Objects.requireNonNull(targetOriginId, "targetOriginId");
        Objects.requireNonNull(functionAssociations, "functionAssociations");
        if (pathPattern.isEmpty()) {
            throw new IllegalArgumentException("empty path pattern");
        }
    }

    public boolean matches(String path) {
        String pattern = pathPattern.startsWith("/") || pathPattern.startsWith("*") ? pathPattern : "/" + pathPattern;
        return PathPatterns.matches(pattern, path);
    }
}
