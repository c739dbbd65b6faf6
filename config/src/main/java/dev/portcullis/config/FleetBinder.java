package dev.portcullis.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** The optional {@code fleet} section. */
final class FleetBinder {
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    private static final Pattern PREFIX = Pattern.compile("/([A-Za-z0-9._-]+/)*");

    private FleetBinder() {
    }

    static Optional<FleetConfig> bind(Node node) {
        int mark = node.problems().mark();
        return node.mapping("etcd", "nodeName").flatMap(fleet -> {
            Optional<Mapping> etcd = fleet.get("etcd").requiredMapping("endpoints", "prefix", "tls", "startupTimeout");
            if (etcd.isEmpty()) {
                return Optional.empty();
            }
            Mapping e = etcd.get();
            List<URI> endpoints = endpoints(e.get("endpoints"));
            Node prefixNode = e.get("prefix");
            String prefix = prefixNode.string().orElse(FleetConfig.DEFAULT_PREFIX);
            if (prefixNode.present() && !PREFIX.matcher(prefix).matches()) {
                prefixNode.problem("'" + prefix + "' is not a key prefix: it starts and ends with '/' and its parts are"
                        + " letters, digits, '.', '_' or '-' (for example /portcullis/)");
            }
            Optional<FleetConfig.EtcdTls> tls = tls(e.get("tls"));
            boolean secure = endpoints.stream().anyMatch(u -> u.getScheme().equals("https"));
            boolean plain = endpoints.stream().anyMatch(u -> u.getScheme().equals("http"));
            if (secure && plain) {
                e.get("endpoints").problem("mixes http:// and https:// endpoints: a fleet talks to etcd one way");
            } else if (plain && e.get("tls").present()) {
                e.get("tls").problem("is set but every endpoint is http://: use https:// endpoints with tls");
            } else if (secure && !e.get("tls").present()) {
                e.get("tls").problem("is required with https:// endpoints (at least tls.caBundle, the CA etcd's"
                        + " certificate chains to)");
            }
            Duration startup = e.get("startupTimeout").duration().orElse(FleetConfig.DEFAULT_STARTUP_TIMEOUT);
            Node nameNode = fleet.get("nodeName");
            String nodeName = nameNode.string().orElseGet(FleetBinder::hostname);
            if (!NODE_NAME.matcher(nodeName).matches()) {
                nameNode.problem("'" + nodeName + "' is not a node name: 1-63 letters, digits, '.', '_' or '-'"
                        + (nameNode.present() ? "" : " (it defaults to the hostname; set fleet.nodeName)"));
            }
            if (node.problems().since(mark)) {
                return Optional.empty();
            }
            return Optional.of(new FleetConfig(endpoints, prefix, tls, nodeName, startup));
        });
    }

    private static List<URI> endpoints(Node node) {
        List<URI> endpoints = new ArrayList<>();
        for (Node item : node.requiredItems()) {
            item.string().ifPresent(text -> {
                try {
                    URI uri = new URI(text);
                    if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                            || uri.getHost() == null || uri.getPort() <= 0
                            || !(uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))) {
                        item.problem("'" + text + "' is not an etcd endpoint: http://host:port or https://host:port");
                    } else {
                        endpoints.add(uri);
                    }
                } catch (URISyntaxException ex) {
                    item.problem("'" + text + "' is not an etcd endpoint: http://host:port or https://host:port");
                }
            });
        }
        return endpoints;
    }

    private static Optional<FleetConfig.EtcdTls> tls(Node node) {
        return node.mapping("caBundle", "certificate", "privateKey").flatMap(m -> {
            Optional<Path> ca = m.get("caBundle").requiredFile();
            Optional<Path> certificate = m.get("certificate").present() ? m.get("certificate").file() : Optional.empty();
            Optional<Path> key = m.get("privateKey").present() ? m.get("privateKey").file() : Optional.empty();
            if (m.get("certificate").present() != m.get("privateKey").present()) {
                (m.get("certificate").present() ? m.get("privateKey") : m.get("certificate"))
                        .problem("is required with tls." + (m.get("certificate").present() ? "certificate" : "privateKey")
                                + ": a client certificate for etcd needs both");
                return Optional.empty();
            }
            return ca.map(c -> new FleetConfig.EtcdTls(c, certificate, key));
        });
    }

    private static String hostname() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "";
        }
    }
}
