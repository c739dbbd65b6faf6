package dev.portcullis.fleet;

import java.nio.file.Path;
import java.util.Map;

/**
 * A push as a node applies it: the shared configuration text, the folder its relative paths
 * resolve against, and where each file it names is kept on this node (content-addressed, in
 * {@code server.dataDir}/fleet/files). {@code revision} is the etcd revision of the push.
 */
public record PushedConfig(long revision, String text, Path baseDir, Map<Path, Path> relocations, String origin) {
    public PushedConfig {
        relocations = Map.copyOf(relocations);
    }

    /**
     * {@code problems} naming each pushed file as the pusher named it, not by where this node keeps
     * it: an operator reading fleet/status knows {@code pki/bundle.pem}, not a SHA-256.
     */
    public java.util.List<String> inPushedNames(java.util.List<String> problems) {
        return problems.stream().map(p -> {
            String named = p;
            for (Map.Entry<Path, Path> r : relocations.entrySet()) {
                named = named.replace(r.getValue().toString(), r.getKey().toString());
            }
            return named;
        }).toList();
    }

    /** How logs and errors name it: "the fleet push at revision R (from HOST:PATH)". */
    public String label() {
        return "the fleet push at revision " + revision + " (" + origin + ")";
    }
}
