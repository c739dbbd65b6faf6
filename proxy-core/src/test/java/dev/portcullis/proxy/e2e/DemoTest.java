package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code portcullis demo} as a process: every curl step it prints behaves as its comment says (200,
 * refused without a certificate, expired, untrusted, revoked by the connection function, with the
 * reason in the connection log); then its edge.yaml runs again on its own with {@code echo-origin}.
 */
class DemoTest {
    @TempDir
    Path dir;

    private static Process java(List<String> args, Path log) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.portcullis.proxy.cli.PortcullisCli"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static String awaitLine(Path log, String marker, Process process) throws Exception {
        return awaitLine(log, marker, process, text -> true);
    }

    private static List<String> revokedRecords(String connectionLog) {
        return connectionLog.lines().filter(l -> l.contains("revoked-client")).toList();
    }

    private static String awaitLine(Path log, String marker, Process process,
                                    java.util.function.Predicate<String> also) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains(marker) && also.test(text)) {
                return text;
            }
            if (!process.isAlive()) {
                throw new AssertionError("exited " + process.exitValue() + ":\n" + text);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
        throw new AssertionError("no '" + marker + "' in:\n" + Files.readString(log));
    }

    @Test
    void everyPrintedStepBehavesAsPrintedAndTheConfigRunsAgainOnItsOwn() throws Exception {
        int port = FreePorts.belowEphemeral();
        Path demoDir = dir.resolve("demo");
        Path demoLog = dir.resolve("demo.log");
        Process demo = java(List.of("demo", "--dir", demoDir.toString(), "--port", Integer.toString(port)), demoLog);
        int steps = 0;
        String[] kvsPut = null;
        try {
            String printed = awaitLine(demoLog, "Press Ctrl-C to stop.", demo);
            String comment = "";
            String refusedCurl = null;
            for (String line : printed.lines().map(String::strip).toList()) {
                if (line.startsWith("# ")) {
                    comment = line;
                } else if (line.startsWith("curl ")) {
                    Proc run = Proc.run(new ArrayList<>(Arrays.asList(line.split(" "))));
                    // The demo's function has 5 ms of CPU; a cold node on a loaded machine can exceed
                    // it and refuse (as it must): the valid client gets up to three tries.
                    for (int attempt = 1; comment.startsWith("# 200") && run.exitCode() != 0 && attempt < 3; attempt++) {
                        run = Proc.run(new ArrayList<>(Arrays.asList(line.split(" "))));
                    }
                    if (comment.startsWith("# 200")) {
                        assertThat(run.exitCode()).as(line + "\n" + run.stderr()).isZero();
                        assertThat(run.stdout()).containsIgnoringCase("cloudfront-viewer-cert-subject: CN=client-1");
                    } else {
                        refusedCurl = line;
                        assertThat(comment).as(line).startsWith("# refused");
                        assertThat(run.exitCode()).as(line).isNotZero();
                        assertThat(run.stdout()).isEmpty();
                    }
                    steps++;
                } else if (line.startsWith("grep revoked-client ")) {
                    Path connectionLog = Path.of(line.split(" ")[2]);
                    // As above, a cold function may time out (ConnectionFunctionError, refused all the
                    // same); the step is tried again until the function itself denies, at most three times.
                    String denied = "\"connectionStatus\":\"Failed:ConnectionFunctionDenied\"";
                    List<String> records = revokedRecords(awaitLine(connectionLog, "revoked-client", demo));
                    for (int attempt = 1; records.stream().noneMatch(r -> r.contains(denied)) && attempt < 3; attempt++) {
                        int seen = records.size();
                        Proc.run(new ArrayList<>(Arrays.asList(refusedCurl.split(" "))));
                        records = revokedRecords(awaitLine(connectionLog, "revoked-client", demo,
                                text -> revokedRecords(text).size() > seen));
                    }
                    assertThat(records).as("connection log records of revoked-client")
                            .anySatisfy(r -> assertThat(r).contains(denied).contains("Revoked certificate: "));
                    steps++;
                } else if (line.startsWith("bin/portcullis kvs ")) {
                    // The same command bin/portcullis runs, in this JVM: the live revocation step.
                    String[] args = line.substring("bin/portcullis ".length()).split(" ");
                    kvsPut = args;
                    Cli.Result put = Cli.run(args);
                    assertThat(put.exitCode()).as(line + "\n" + put.err()).isZero();
                    assertThat(put.out()).contains("\"ETag\":");
                    steps++;
                }
            }
        } finally {
            demo.destroy(); // SIGTERM: drains and exits 0
        }
        assertThat(demo.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(demo.exitValue()).isZero();
        assertThat(steps).as("curl steps, the log step and the live revocation").isEqualTo(8);

        // The written config again, with the origin as its own command.
        String yaml = Files.readString(demoDir.resolve("edge.yaml"));
        String originPort = yaml.replaceAll("(?s).*h2c://127\\.0\\.0\\.1:(\\d+).*", "$1");
        Process origin = java(List.of("echo-origin", "--listen", "127.0.0.1:" + originPort), dir.resolve("origin.log"));
        Process node = java(List.of("run", "--config", demoDir.resolve("edge.yaml").toString()), dir.resolve("run.log"));
        try {
            awaitLine(dir.resolve("origin.log"), "echo origin on", origin);
            awaitLine(dir.resolve("run.log"), "listening on", node);
            List<String> curl = List.of("curl", "-sS", "--cacert", demoDir.resolve("ca.pem").toString(),
                    "--cert", demoDir.resolve("client.pem").toString(), "--key", demoDir.resolve("client.key").toString(),
                    "https://localhost:" + port + "/again");
            assertThat(Proc.run(curl).exitCode()).as("the live revocation is in the database: still refused").isNotZero();
            // Taking it back through the same API: kvs delete with the put's store, admin and key.
            List<String> delete = new ArrayList<>(Arrays.asList(kvsPut));
            delete.set(1, "delete");
            int value = delete.indexOf("--value");
            delete.subList(value, value + 2).clear();
            Cli.Result deleted = Cli.run(delete.toArray(String[]::new));
            assertThat(deleted.exitCode()).as(deleted.err()).isZero();
            Proc again = Proc.run(curl);
            assertThat(again.exitCode()).as(again.stderr()).isZero();
            assertThat(again.stdout()).startsWith("GET /again");
        } finally {
            node.destroy();
            origin.destroy();
            node.waitFor(30, TimeUnit.SECONDS);
            origin.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
