package dev.portcullis.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A distribution's {@code cacheBehaviors}: path patterns, checked in order, first match wins. */
final class BehaviorBinder {
    /** CloudFront's limit on a path pattern's length. */
    private static final int MAX_PATTERN_LENGTH = 255;

    private BehaviorBinder() {
    }

    static List<CacheBehavior> bind(Node list, Names originIds) {
        List<CacheBehavior> behaviors = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (Node item : list.items()) {
            item.mapping("pathPattern", "targetOriginId").ifPresent(m -> {
                Node patternNode = m.get("pathPattern");
                Optional<String> pattern = (patternNode.required("a path pattern such as /api/*")
                        ? patternNode.string() : Optional.<String>empty())
                        .filter(p -> valid(patternNode, p, seen));
                Optional<String> target = Names.reference(m.get("targetOriginId"), originIds, "origin");
                if (pattern.isPresent() && target.isPresent()) {
                    behaviors.add(new CacheBehavior(pattern.get(), target.get()));
                }
            });
        }
        return behaviors;
    }

    private static boolean valid(Node node, String pattern, Map<String, String> seen) {
        if (pattern.length() > MAX_PATTERN_LENGTH || pattern.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            node.problem("'" + pattern + "' is not a valid path pattern (at most " + MAX_PATTERN_LENGTH
                    + " characters, no spaces or control characters)");
            return false;
        }
        // "images/*" and "/images/*" are the same pattern in CloudFront.
        String key = pattern.startsWith("/") || pattern.startsWith("*") ? pattern : "/" + pattern;
        String earlier = seen.putIfAbsent(key, node.keyPath());
        if (earlier != null) {
            node.problem("'" + pattern + "' repeats the pattern at " + earlier + ", so it would never match");
            return false;
        }
        return true;
    }
}
