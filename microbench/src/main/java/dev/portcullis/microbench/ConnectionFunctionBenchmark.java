package dev.portcullis.microbench;

import dev.portcullis.functions.ClientCertificate;
import dev.portcullis.functions.ConnectionDecision;
import dev.portcullis.functions.ConnectionDecision.Outcome;
import dev.portcullis.functions.ConnectionFunction;
import dev.portcullis.functions.ConnectionInput;
import dev.portcullis.functions.FunctionCompileException;
import dev.portcullis.functions.FunctionLimits;
import dev.portcullis.functions.FunctionRuntime;
import dev.portcullis.functions.KeyValueStores;
import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.VerifiedClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Issue 5: one invocation of the blog's revocation function against a 1,000,000-key store, as the
 * handshake runs it ({@link ConnectionFunction#invoke}: context checkout, watchdog timer, handler,
 * promise jobs, decision), with CloudFront's 5 ms / 2 MB limits. SampleTime, so JMH reports the
 * median and p99 per invocation. {@code revocationAllow} is the common case (serial not revoked: a
 * store miss), {@code revocationDeny} a revoked serial (a hit, plus a console line);
 * {@code trivialSync} is a plain function that only allows, the floor of the machinery.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(jvmArgsAppend = "-Xmx2g")
public class ConnectionFunctionBenchmark {
    /** The function from AWS's viewer mTLS blog post (as in connection-functions' tests). */
    static final String BLOG_FUNCTION = """
            import cf from 'cloudfront';
            async function connectionHandler(connection) {
              const kvsHandle = cf.kvs();
              const serialNumber = connection.clientCertificate.certificates.leaf.serialNumber.replace(/:/g, "");
              const isRevoked = await kvsHandle.exists(serialNumber);
              if (isRevoked) { connection.logCustomData(`Revoked certificate: ${serialNumber}`); console.log(`Denying ${serialNumber}`); return connection.deny(); }
              connection.logCustomData(`Valid certificate: ${serialNumber}`);
              return connection.allow();
            }
            """;
    static final String TRIVIAL_SYNC_FUNCTION = """
            function connectionHandler(connection) {
              connection.allow();
            }
            """;

    private FunctionRuntime runtime;
    private ConnectionFunction revocation;
    private ConnectionFunction trivial;
    private ConnectionInput validDevice;
    private ConnectionInput revokedDevice;
    /** Invocations that did not end as expected, e.g. a 5 ms timeout on a busy machine; printed at the end. */
    private final AtomicLong unexpected = new AtomicLong();

    @Setup
    public void setUp() throws IOException, FunctionCompileException {
        DeviceChain valid = DeviceChain.generate("sensor-0042");
        DeviceChain revoked = DeviceChain.generate("sensor-0666");
        validDevice = input("conn-valid", valid);
        revokedDevice = input("conn-revoked", revoked);
        String revokedKey = revokedDevice.clientCertificate().orElseThrow().leaf().serialNumber().replace(":", "");
        KeyValueStores stores = KeyValueStores.of(RevocationStore.build(revokedKey));

        runtime = FunctionRuntime.create();
        Path dir = Files.createTempDirectory("microbench-functions");
        revocation = runtime.compile("revocation", write(dir.resolve("revocation.js"), BLOG_FUNCTION),
                Optional.of(RevocationStore.NAME), FunctionLimits.DEFAULTS, stores);
        trivial = runtime.compile("trivial", write(dir.resolve("trivial.js"), TRIVIAL_SYNC_FUNCTION),
                Optional.empty(), FunctionLimits.DEFAULTS, stores);
        firstSuccess(revocation, validDevice, Outcome.ALLOW);
        firstSuccess(revocation, revokedDevice, Outcome.DENY);
        firstSuccess(trivial, validDevice, Outcome.ALLOW);
    }

    @Benchmark
    public ConnectionDecision revocationAllow() {
        return expect(revocation.invoke(validDevice), Outcome.ALLOW);
    }

    @Benchmark
    public ConnectionDecision revocationDeny() {
        return expect(revocation.invoke(revokedDevice), Outcome.DENY);
    }

    @Benchmark
    public ConnectionDecision trivialSync() {
        return expect(trivial.invoke(validDevice), Outcome.ALLOW);
    }

    @TearDown
    public void tearDown() {
        System.out.println("unexpected outcomes (e.g. 5 ms timeouts): " + unexpected.get());
        revocation.close();
        trivial.close();
        runtime.close();
    }

    private ConnectionDecision expect(ConnectionDecision decision, Outcome outcome) {
        if (decision.outcome() != outcome) {
            unexpected.incrementAndGet();
        }
        return decision;
    }

    /**
     * Checks the function decides as expected before measuring. The first calls can exceed the 5 ms
     * timeout on a loaded machine (the interpreter is still cold), so only a function that never
     * gets it right in 100 tries fails the setup.
     */
    private static void firstSuccess(ConnectionFunction function, ConnectionInput input, Outcome outcome) {
        ConnectionDecision last = null;
        for (int i = 0; i < 100; i++) {
            last = function.invoke(input);
            if (last.outcome() == outcome) {
                return;
            }
        }
        throw new IllegalStateException(function.name() + ": expected " + outcome + ", got " + last);
    }

    private static ConnectionInput input(String connectionId, DeviceChain chain) {
        VerifiedClient client = new VerifiedClient(CertificateFacts.of(chain.leaf().certificate()),
                List.of(CertificateFacts.of(chain.intermediate().certificate())));
        return new ConnectionInput(connectionId, "198.51.100.7", "api.example.com", "E2QWRUHEXAMPLE",
                Optional.of(ClientCertificate.of(client)));
    }

    private static Path write(Path file, String code) throws IOException {
        return Files.writeString(file, code);
    }
}
