package dev.portcullis.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/** One entry of a distribution's {@code origins}. */
final class OriginBinder {
    private OriginBinder() {
    }

    static Optional<Origin> bind(Node item, Names originIds) {
        int mark = item.problems().mark();
        Optional<Mapping> section = item.mapping("id", "url", "connectTimeout", "responseTimeout",
                "trustedCaCertificates", "serverName");
        if (section.isEmpty()) {
            return Optional.empty();
        }
        Mapping m = section.get();
        Optional<String> id = originIds.claim(m.get("id"));
        Node urlNode = m.get("url");
        Optional<URI> url = urlNode.required("a url such as h2c://127.0.0.1:9000")
                ? urlNode.string().flatMap(text -> url(urlNode, text)) : Optional.empty();
        Optional<OriginProtocol> protocol = url.flatMap(u -> protocol(urlNode, u));
        Duration connect = m.get("connectTimeout").duration().orElse(Origin.DEFAULT_CONNECT_TIMEOUT);
        Duration response = m.get("responseTimeout").duration().orElse(Origin.DEFAULT_RESPONSE_TIMEOUT);
        Optional<Path> trusted = m.get("trustedCaCertificates").file();
        Optional<String> serverName = m.get("serverName").string();
        if (protocol.isPresent() && protocol.get() != OriginProtocol.HTTPS) {
            for (String key : new String[] {"trustedCaCertificates", "serverName"}) {
                if (m.get(key).present()) {
                    m.get(key).problem("applies to https origins only, but this origin's url is "
                            + protocol.get().scheme() + "://");
                }
            }
        }
        if (item.problems().since(mark)) {
            return Optional.empty();
        }
        URI u = url.orElseThrow();
        OriginProtocol p = protocol.orElseThrow();
        String host = u.getHost().startsWith("[") ? u.getHost().substring(1, u.getHost().length() - 1) : u.getHost();
        int port = u.getPort() < 0 ? p.defaultPort() : u.getPort();
        return Optional.of(new Origin(id.orElseThrow(), u, p, host, port, connect, response, trusted, serverName));
    }

    private static Optional<URI> url(Node node, String text) {
        if (!text.contains("://")) {
            node.problem("'" + text + "' needs a scheme and a host, as in h2c://127.0.0.1:9000");
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            node.problem("'" + text + "' is not a valid url: " + e.getReason());
            return Optional.empty();
        }
        String problem = uri.getScheme() == null || uri.getRawAuthority() == null ? "needs a scheme and a host, as in h2c://127.0.0.1:9000"
                : uri.getHost() == null ? "has no valid host"
                : uri.getRawUserInfo() != null ? "must not carry user information"
                : uri.getPort() == 0 || uri.getPort() > 65535 ? "port must be from 1 to 65535"
                : !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
                ? "must not have a path (requests keep their own path)"
                : uri.getRawQuery() != null || uri.getRawFragment() != null ? "must not have a query or fragment"
                : null;
        if (problem != null) {
            node.problem("'" + text + "' " + problem);
            return Optional.empty();
        }
        return Optional.of(uri);
    }

    private static Optional<OriginProtocol> protocol(Node node, URI url) {
        for (OriginProtocol p : OriginProtocol.values()) {
            if (p.scheme().equalsIgnoreCase(url.getScheme())) {
                return Optional.of(p);
            }
        }
        node.problem("unsupported scheme '" + url.getScheme() + "' (expected "
                + String.join(", ", Arrays.stream(OriginProtocol.values()).map(OriginProtocol::scheme).toList()) + ")");
        return Optional.empty();
    }
}
