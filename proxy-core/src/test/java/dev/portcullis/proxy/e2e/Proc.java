package dev.portcullis.proxy.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a real binary (curl, openssl) with a deadline and captures what it printed. */
record Proc(int exitCode, String stdout, String stderr) {
    /**
     * The readers of a process's output block until it exits: on threads of their own, never on the
     * common pool, which the node's own machinery (the JDK's HTTP client, for OCSP) may need while
     * the process waits for the node.
     */
    private static final java.util.concurrent.ExecutorService READERS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "proc-output-reader");
        t.setDaemon(true);
        return t;
    });

    static Proc run(List<String> command) {
        return run(command, null);
    }

    static Proc run(List<String> command, byte[] stdin) {
        try {
            Process process = new ProcessBuilder(command).start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()), READERS);
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()), READERS);
            if (stdin != null) {
                process.getOutputStream().write(stdin);
            }
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Proc(process.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                    new String(err.join(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static List<String> cmd(String... parts) {
        return new ArrayList<>(List.of(parts));
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value of {@code name: value} in an echo-origin response body, or null. */
    String echoed(String headerName) {
        for (String line : stdout.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(headerName)) {
                return line.substring(colon + 2);
            }
        }
        return null;
    }

    /** All values of a header the echo origin saw. */
    List<String> echoedAll(String headerName) {
        List<String> values = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(headerName)) {
                values.add(line.substring(colon + 2));
            }
        }
        return values;
    }
}
