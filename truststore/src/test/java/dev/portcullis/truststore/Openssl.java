package dev.portcullis.truststore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code openssl} binary (OpenSSL 3.0 on this machine) for comparisons. */
final class Openssl {
    private Openssl() {
    }

    /** What {@code openssl x509 -noout -subject -issuer -serial -fingerprint -sha256 -nameopt RFC2253} prints. */
    record X509Output(String subject, String issuer, String serial, String sha256) {
    }

    static X509Output x509(Path pem) {
        List<String> lines = run("openssl", "x509", "-in", pem.toString(), "-noout", "-subject", "-issuer",
                "-serial", "-fingerprint", "-sha256", "-nameopt", "RFC2253");
        return new X509Output(
                after(lines, "subject="), after(lines, "issuer="), after(lines, "serial="),
                after(lines, "sha256 Fingerprint="));
    }

    static List<String> run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", command));
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + process.exitValue() + ": " + text);
            }
            return new ArrayList<>(text.lines().toList());
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command[0], e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String after(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in " + lines));
    }
}
