package dev.portcullis.proxy.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Runs test resource h2probe.py (Debian's python3-h2) against the node: HTTP/2 frames curl never sends. */
final class H2Probe {
    private H2Probe() {
    }

    static Proc run(EdgeFixture edge, Path dir, String testCase) {
        return Proc.run(List.of("/usr/bin/python3", script(dir).toString(), testCase,
                Integer.toString(edge.node.port()), edge.pki.path("client-chain.pem"), edge.pki.path("client.key"),
                edge.pki.path("root.pem")));
    }

    /** Starts {@code testCase} for {@code client} and returns at once: the caller reads its output as it comes. */
    static Process start(EdgeFixture edge, Path dir, String testCase, String client) {
        try {
            return new ProcessBuilder(List.of("/usr/bin/python3", script(dir).toString(), testCase,
                    Integer.toString(edge.node.port()), edge.pki.path(client + "-chain.pem"), edge.pki.path(client + ".key"),
                    edge.pki.path("root.pem"))).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path script(Path dir) {
        Path script = dir.resolve("h2probe.py");
        try (InputStream in = H2Probe.class.getResourceAsStream("/h2probe.py")) {
            Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
