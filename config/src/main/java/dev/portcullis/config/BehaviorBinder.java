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

    static List<CacheBehavior> bind(Node list, Names originIds, ResourceBinder resources) {
        List<CacheBehavior> behaviors = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (Node item : list.items()) {
            item.mapping("pathPattern", "targetOriginId", "functionAssociations").ifPresent(m -> {
                Node patternNode = m.get("pathPattern");
                Optional<String> pattern = (patternNode.required("a path pattern such as /api/*")
                        ? patternNode.string() : Optional.<String>empty())
                        .filter(p -> valid(patternNode, p, seen));
                Optional<String> target = Names.reference(m.get("targetOriginId"), originIds, "origin");
                Optional<FunctionAssociations> functions = functionAssociations(m.get("functionAssociations"), resources);
                if (pattern.isPresent() && target.isPresent() && functions.isPresent()) {
                    behaviors.add(new CacheBehavior(pattern.get(), target.get(), functions.get()));
                }
            });
        }
        return behaviors;
    }

    /**
     * {@code functionAssociations: [{eventType: viewer-request, functionName: f}]}: each names a function
     * from {@code functions}, one per event type. Empty when any entry has a problem (reported).
     */
    static Optional<FunctionAssociations> functionAssociations(Node list, ResourceBinder resources) {
        int mark = list.problems().mark();
        Optional<String> request = Optional.empty();
        Optional<String> response = Optional.empty();
        String requestAt = null;
        String responseAt = null;
        for (Node item : list.items()) {
            Optional<Mapping> m = item.mapping("eventType", "functionName");
            if (m.isEmpty()) {
                continue;
            }
            Node typeNode = m.get().get("eventType");
            Optional<String> type = typeNode.requiredString().filter(t -> {
                if (t.equals("viewer-request") || t.equals("viewer-response")) {
                    return true;
                }
                typeNode.problem("'" + t + "' is not an event type a CloudFront Function runs at (viewer-request,"
                        + " viewer-response; origin events are Lambda@Edge's)");
                return false;
            });
            Node nameNode = m.get().get("functionName");
            Optional<String> name = nameNode.required("a function name from functions") ? nameNode.string()
                    : Optional.empty();
            name = name.filter(n -> {
                if (resources.viewerFunctionNames.contains(n)) {
                    return true;
                }
                if (resources.functionNames.contains(n)) {
                    nameNode.problem("'" + n + "' is a connection function (connectionFunctions), which runs at the"
                            + " handshake; associate it with connectionFunctionAssociation, or list a function under functions");
                    return false;
                }
                return Names.resolve(nameNode, n, resources.viewerFunctionNames, "function");
            });
            if (type.isEmpty() || name.isEmpty()) {
                continue;
            }
            if (type.get().equals("viewer-request")) {
                if (requestAt != null) {
                    typeNode.problem("a second viewer-request function (the first is at " + requestAt
                            + "); a behavior has at most one per event type");
                    continue;
                }
                requestAt = typeNode.keyPath();
                request = name;
            } else {
                if (responseAt != null) {
                    typeNode.problem("a second viewer-response function (the first is at " + responseAt
                            + "); a behavior has at most one per event type");
                    continue;
                }
                responseAt = typeNode.keyPath();
                response = name;
            }
        }
        if (list.problems().since(mark)) {
            return Optional.empty();
        }
        return Optional.of(new FunctionAssociations(request, response));
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
