package dev.portcullis.functions;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Header names most requests and responses carry, passed to a viewer function's bootstrap as their
 * index instead of as a string. Why: the bootstrap builds {@code event.request.headers} with one
 * property per header, keyed by name. A name the host passes arrives as a new guest string on every
 * call, so each property write and read hashes it and compares its characters with the object's keys
 * (about a third of a plain forwarding call's CPU in a perf profile of ViewerFunctionBenchmark). The
 * bootstrap resolves an index to a string literal of its own source, so the same key object comes
 * back in every call and every context, and the lookups compare by identity. Names not in the list
 * go as strings, as before. The list is fixed at build time: an index means the same name everywhere.
 */
final class KnownHeaderNames {
    /** Lower-case letters, digits and dashes: written into the bootstrap as string literals. */
    static final List<String> NAMES = List.of(
            "host", "user-agent", "accept", "accept-encoding", "accept-language", "authorization",
            "content-type", "content-length", "content-encoding", "cache-control", "pragma", "origin", "referer",
            "if-none-match", "if-modified-since", "if-match", "if-unmodified-since", "range", "x-forwarded-for",
            "x-forwarded-proto", "x-forwarded-host", "x-request-id", "traceparent", "tracestate", "via", "dnt",
            "upgrade-insecure-requests", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "sec-fetch-user",
            "sec-ch-ua", "sec-ch-ua-mobile", "sec-ch-ua-platform", "x-api-key", "x-requested-with",
            "cloudfront-viewer-cert-serial-number", "cloudfront-viewer-cert-issuer", "cloudfront-viewer-cert-subject",
            "cloudfront-viewer-cert-validity", "cloudfront-viewer-cert-present", "cloudfront-viewer-cert-sha256",
            "date", "server", "etag", "last-modified", "expires", "age", "vary", "location", "content-language",
            "content-disposition", "content-range", "accept-ranges", "access-control-allow-origin",
            "access-control-allow-credentials", "access-control-allow-methods", "access-control-allow-headers",
            "access-control-expose-headers", "access-control-max-age", "strict-transport-security",
            "x-content-type-options", "x-frame-options", "x-xss-protection", "content-security-policy",
            "referrer-policy", "permissions-policy", "x-cache", "www-authenticate", "retry-after", "link");

    private static final Map<String, Integer> INDEX = index();

    private static final String PLACEHOLDER = "/* KNOWN_HEADER_NAMES */";

    private KnownHeaderNames() {
    }

    /** The bootstrap's source with the list written into its placeholder as string literals. */
    static String into(String bootstrap) {
        if (!bootstrap.contains(PLACEHOLDER)) {
            throw new IllegalStateException("bootstrap.js has no " + PLACEHOLDER);
        }
        StringBuilder literals = new StringBuilder();
        for (String name : NAMES) {
            literals.append(literals.isEmpty() ? "'" : ", '").append(name).append('\'');
        }
        return bootstrap.replace(PLACEHOLDER, literals);
    }

    /** The name's index when it is a known one (a boxed small integer, cached by the JDK), else the name. */
    static Object codeOrName(String lowerCaseName) {
        Integer code = INDEX.get(lowerCaseName);
        return code != null ? code : lowerCaseName;
    }

    private static Map<String, Integer> index() {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < NAMES.size(); i++) {
            String name = NAMES.get(i);
            if (!name.matches("[a-z0-9-]+") || index.put(name, i) != null) {
                throw new ExceptionInInitializerError("bad known header name " + name);
            }
        }
        return Map.copyOf(index);
    }
}
