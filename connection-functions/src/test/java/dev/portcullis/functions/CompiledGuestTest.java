package dev.portcullis.functions;

import static dev.portcullis.functions.TestCertificates.connection;
import static dev.portcullis.functions.TestCertificates.storeKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.functions.ConnectionDecision.Outcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Functions as {@code bin/portcullis} runs them: compiled to machine code by Graal, not interpreted.
 * Surefire runs this class alone in a JVM with bin/jvm-opts.sh's flags (GraalVM on the module path,
 * JVMCI, the Graal compiler) plus compile-on-first-call, so every handler below runs compiled (see
 * this module's pom). The other tests run interpreted, where guest code is slower but no different.
 */
class CompiledGuestTest {
    static FunctionRuntime runtime;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRuntime() {
        runtime = FunctionRuntime.create();
    }

    @AfterAll
    static void stopRuntime() {
        runtime.close();
    }

    private ConnectionFunction compile(String name, String code, FunctionLimits limits) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, code, StandardCharsets.UTF_8);
        return runtime.compile("compiled-test", file, Optional.of("revoked-serials"), limits, ConnectionFunctionTest.STORES);
    }

    @Test
    void theRuntimeCompilesGuestCode() {
        // If this fails the JVM flags in the pom (or bin/jvm-opts.sh's) no longer give Truffle a compiler.
        assertThat(runtime.compilesToMachineCode()).isTrue();
    }

    @Test
    void blogFunctionDecidesTheSameCompiled() throws Exception {
        // Compile-on-first-call compiles on the calling thread and that CPU time counts against the
        // function's timeout; on a slow 2-core machine the first compilation alone took over 2 s. This
        // test is about what compiled code decides, so the budgets (time, and memory: the compiler's
        // allocations on this thread count too) leave room for the compiler.
        try (ConnectionFunction function = compile("revocation.js", ConnectionFunctionTest.BLOG_FUNCTION,
                new FunctionLimits(Duration.ofSeconds(60), 1L << 30))) {
            for (int i = 0; i < 50; i++) {
                ConnectionDecision revoked = function.invoke(connection("revoked-" + i, ConnectionFunctionTest.REVOKED));
                ConnectionDecision valid = function.invoke(connection("valid-" + i, ConnectionFunctionTest.VALID));

                assertThat(revoked.outcome()).as(revoked.error()).isEqualTo(Outcome.DENY);
                assertThat(revoked.customData()).isEqualTo("Revoked certificate: " + storeKey(ConnectionFunctionTest.REVOKED));
                assertThat(valid.outcome()).isEqualTo(Outcome.ALLOW);
                assertThat(valid.customData()).isEqualTo("Valid certificate: " + storeKey(ConnectionFunctionTest.VALID));
            }
        }
    }

    @Test
    void runawayLoopInCompiledCodeIsCutOff() throws Exception {
        try (ConnectionFunction function = compile("loop.js", """
                function connectionHandler(connection) {
                  let i = 0;
                  if (connection.connectionId === 'loop') { while (true) { i = (i + 1) | 0; } }
                  connection.allow();
                }
                """, FunctionLimits.DEFAULTS)) {
            // The first calls compile the handler on this thread, which may use up the 5 ms or the 2 MB.
            for (int i = 0; i < 3; i++) {
                assertThat(function.invoke(connection("warm-" + i, ConnectionFunctionTest.VALID)).error())
                        .matches("|timeout|memory limit exceeded.*");
            }
            for (int i = 0; i < 3; i++) {
                ConnectionDecision decision = function.invoke(connection("loop", ConnectionFunctionTest.VALID));

                assertThat(decision.outcome()).isEqualTo(Outcome.ERROR);
                // Compiled, the loop may reach the 5M-statement limit before the 5 ms of CPU time.
                // Compiling on this thread allocates, and that counts against the 2 MB too.
                assertThat(decision.error()).matches("timeout|memory limit exceeded.*|resource limit exceeded: Statement count limit.*");
                // Cut off, not left running: the bound is loose because the first of these calls may
                // still compile the loop on this thread (over 1 s on a busy 2-core machine).
                assertThat(decision.elapsed()).isLessThan(Duration.ofSeconds(10));
            }
            assertThat(function.invoke(connection("after", ConnectionFunctionTest.VALID)).error())
                    .matches("|timeout|memory limit exceeded.*");
        }
    }
}
