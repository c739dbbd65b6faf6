package dev.portcullis.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** A distribution's {@code originRequestPolicy} and {@code connectionIdHeader}. */
final class HeaderBinder {
    /** RFC 9110 token: what a header field name may be. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final List<String> CERT_HEADERS = Stream.concat(
            OriginRequestPolicy.VIEWER_CERT_HEADERS.stream(), OriginRequestPolicy.PASSTHROUGH_HEADERS.stream()).toList();

    private HeaderBinder() {
    }

    static OriginRequestPolicy policy(Node node, MtlsMode mode) {
        Optional<Mapping> section = node.mapping("headers");
        if (section.isEmpty()) {
            return OriginRequestPolicy.defaultFor(mode);
        }
        Node list = section.get().get("headers");
        list.required("a list of header names");
        List<String> headers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Node item : list.items()) {
            item.string().flatMap(name -> certHeader(item, name, mode)).ifPresent(name -> {
                if (seen.add(name.toLowerCase(Locale.ROOT))) {
                    headers.add(name);
                } else {
                    item.problem("'" + name + "' is listed twice");
                }
            });
        }
        return new OriginRequestPolicy(headers, false);
    }

    static Optional<String> connectionIdHeader(Node node) {
        return node.string().filter(name -> {
            if (!TOKEN.matcher(name).matches()) {
                node.problem("'" + name + "' is not a valid header name");
                return false;
            }
            if (canonical(name).isPresent()) {
                node.problem("'" + name + "' is a client certificate header; choose another name");
                return false;
            }
            return true;
        });
    }

    /**
     * A header the policy may forward, in its canonical spelling: one of the certificate headers the edge
     * adds (the policy governs nothing else), and {@code Client-Cert*} only where they exist, in passthrough.
     */
    private static Optional<String> certHeader(Node item, String name, MtlsMode mode) {
        Optional<String> known = canonical(name);
        if (known.isEmpty()) {
            item.problem("'" + name + "' is not a client certificate header" + Suggestions.hint(name, CERT_HEADERS)
                    + " (known: " + String.join(", ", CERT_HEADERS) + ")");
        } else if (OriginRequestPolicy.PASSTHROUGH_HEADERS.contains(known.get()) && mode != MtlsMode.PASSTHROUGH) {
            item.problem("'" + known.get() + "' is only sent in passthrough mode; this distribution's mode is "
                    + mode.yamlName());
            return Optional.empty();
        }
        return known;
    }

    private static Optional<String> canonical(String name) {
        return CERT_HEADERS.stream().filter(h -> h.equalsIgnoreCase(name)).findFirst();
    }
}
