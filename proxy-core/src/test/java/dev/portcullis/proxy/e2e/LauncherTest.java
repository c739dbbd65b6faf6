package dev.portcullis.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.proxy.cli.PortcullisCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/jvm-opts.sh's choice, run by the real bash on a distribution-shaped folder: a node whose
 * config names no functions and no fleet starts without the Graal compiler (which turns class data
 * sharing off) and from the AOT cache; anything that may run a function keeps the compiler. And the
 * cache's training run, as the launcher runs it.
 */
class LauncherTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String JIT = "--upgrade-module-path";
    private static final String CACHE = "-XX:AOTCache=";

    @TempDir
    Path dir;

    @BeforeEach
    void distribution() throws Exception {
        Files.createDirectories(dir.resolve("polyglot"));
        Files.createDirectories(dir.resolve("jit"));
        Files.writeString(dir.resolve("jit/compiler-25.0.2.jar"), "");
        Files.writeString(dir.resolve("portcullis.aot"), "");
    }

    private List<String> flags(String jsJit, String... cli) throws Exception {
        String script = ". '" + ROOT.resolve("bin/find-jdk.sh") + "'; portcullis_find_jdk; . '" + ROOT.resolve("bin/jvm-opts.sh")
                + "'; portcullis_jvm_opts \"$@\"; printf '%s\\n' \"${portcullis_jvm[@]}\"";
        List<String> command = new java.util.ArrayList<>(List.of("env", "PORTCULLIS_JS_JIT=" + jsJit, "bash", "-c",
                script, "jvm-opts", dir.toString()));
        command.addAll(List.of(cli));
        Proc proc = Proc.run(command);
        assertThat(proc.exitCode()).as(proc.stderr()).isZero();
        return proc.stdout().lines().toList();
    }

    private Path config(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void aNodeWithoutFunctionsStartsFromTheCacheWithoutTheCompiler() throws Exception {
        Path plain = config("plain.yaml", "server: {listen: 127.0.0.1:0}\ndistributions: []\n");
        List<String> flags = flags("auto", "run", "--config", plain.toString());
        assertThat(flags).contains(CACHE + dir.resolve("portcullis.aot")).doesNotContain(JIT);
        assertThat(flags("auto", "run", "--config=" + plain)).contains(CACHE + dir.resolve("portcullis.aot"));
    }

    @Test
    void anythingThatMayRunAFunctionKeepsTheCompiler() throws Exception {
        Path connection = config("c.yaml", "connectionFunctions:\n  - {name: f, code: f.js}\n");
        Path viewer = config("v.json", "{\"functions\": [{\"name\": \"f\", \"code\": \"f.js\"}]}");
        Path fleet = config("f.yaml", "fleet:\n  etcd: {endpoints: [http://127.0.0.1:2379]}\n");
        Path plain = config("plain.yaml", "server: {listen: 127.0.0.1:0}\n");
        for (List<String> flags : List.of(flags("auto", "run", "--config", connection.toString()),
                flags("auto", "run", "--config", viewer.toString()), flags("auto", "run", "--config", fleet.toString()),
                flags("on", "run", "--config", plain.toString()), flags("auto", "demo"),
                flags("auto", "run", "--config", dir.resolve("missing.yaml").toString()))) {
            assertThat(flags).doesNotContain(CACHE + dir.resolve("portcullis.aot"));
            if (Files.readString(Path.of(System.getProperty("java.home"), "release")).contains("jdk.internal.vm.ci")
                    && Runtime.version().feature() >= 25) {
                assertThat(flags).contains(JIT);
            }
        }
        assertThat(flags("off", "demo")).doesNotContain(JIT);
    }

    @Test
    void theTrainingRunStartsANodeAnswersARequestAndStops() {
        assertThat(PortcullisCli.commandLine().execute("aot-train")).isZero();
    }
}
