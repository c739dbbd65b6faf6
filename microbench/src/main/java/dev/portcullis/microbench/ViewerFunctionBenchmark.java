package dev.portcullis.microbench;

import dev.portcullis.functions.FunctionCompileException;
import dev.portcullis.functions.FunctionLimits;
import dev.portcullis.functions.FunctionRuntime;
import dev.portcullis.functions.KeyValueStores;
import dev.portcullis.functions.ViewerEvent;
import dev.portcullis.functions.ViewerFunction;
import dev.portcullis.functions.ViewerOutcome;
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
 * Issue 15: one viewer-request function call as the node makes it per request ({@link ViewerFunction#invoke}:
 * the event's arguments, context checkout and watchdog, the guest event, the handler, the encoded result
 * and its decoding), on the request scenario 11 sends (a keep-alive GET with the seven certificate
 * headers and a few ordinary ones). {@code policyForward} is scenario 11's function (reads the subject,
 * returns the request); {@code trivialForward} returns the request untouched; {@code addHeader} changes
 * one header, so the request must be re-encoded.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(jvmArgsAppend = "-Xmx2g")
public class ViewerFunctionBenchmark {
    static final String POLICY = """
            function handler(event) {
              const subject = event.request.headers['cloudfront-viewer-cert-subject'];
              if (!subject || subject.value.indexOf('CN=') < 0) {
                return {statusCode: 403, body: 'no subject'};
              }
              return event.request;
            }
            """;
    static final String TRIVIAL = "function handler(event) { return event.request; }\n";
    static final String ADD_HEADER = """
            function handler(event) {
              event.request.headers['x-device'] = {value: 'sensor'};
              return event.request;
            }
            """;

    private FunctionRuntime runtime;
    private ViewerFunction policy;
    private ViewerFunction trivial;
    private ViewerFunction addHeader;
    private ViewerEvent event;
    private final AtomicLong unexpected = new AtomicLong();
    /** The first few unexpected outcomes' errors, printed at the end: a rare fault is worth its reason. */
    private final java.util.Queue<String> unexpectedErrors = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Setup
    public void setUp() throws IOException, FunctionCompileException {
        runtime = FunctionRuntime.create();
        Path dir = Files.createTempDirectory("microbench-viewer");
        KeyValueStores stores = new KeyValueStores();
        FunctionLimits limits = FunctionLimits.DEFAULTS;
        policy = runtime.compileViewer("policy", write(dir.resolve("policy.js"), POLICY), Optional.empty(), limits, stores);
        trivial = runtime.compileViewer("trivial", write(dir.resolve("trivial.js"), TRIVIAL), Optional.empty(), limits, stores);
        addHeader = runtime.compileViewer("add", write(dir.resolve("add.js"), ADD_HEADER), Optional.empty(), limits, stores);
        event = new ViewerEvent(ViewerEvent.EventType.VIEWER_REQUEST, "localhost", "EBENCH", "req-1", "conn-1",
                "127.0.0.1", new ViewerEvent.Request("GET", "/api/items", "", List.of(
                        new ViewerEvent.Header("host", "localhost"),
                        new ViewerEvent.Header("user-agent", "portcullis-loadgen"),
                        new ViewerEvent.Header("accept", "*/*"),
                        new ViewerEvent.Header("cloudfront-viewer-cert-serial-number", "01:ce:01"),
                        new ViewerEvent.Header("cloudfront-viewer-cert-issuer", "CN=Test Intermediate CA,O=Portcullis Tests,C=US"),
                        new ViewerEvent.Header("cloudfront-viewer-cert-subject", "CN=client-1,OU=devices,O=Example,C=US"),
                        new ViewerEvent.Header("cloudfront-viewer-cert-validity",
                                "NotBefore=2026-12-01T00:00:00Z;NotAfter=2027-12-01T00:00:00Z"),
                        new ViewerEvent.Header("cloudfront-viewer-cert-present", "1"),
                        new ViewerEvent.Header("cloudfront-viewer-cert-sha256",
                                "3b1f6f2c9a0e4d8b7c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa"))), null);
        for (int i = 0; i < 20_000; i++) {
            policy.invoke(event);
            trivial.invoke(event);
            addHeader.invoke(event);
        }
    }

    @Benchmark
    public ViewerOutcome policyForward() {
        return expect(policy.invoke(event));
    }

    @Benchmark
    public ViewerOutcome trivialForward() {
        return expect(trivial.invoke(event));
    }

    @Benchmark
    public ViewerOutcome addHeader() {
        return expect(addHeader.invoke(event));
    }

    private ViewerOutcome expect(ViewerOutcome outcome) {
        if (outcome.kind() != ViewerOutcome.Kind.FORWARD && unexpected.incrementAndGet() <= 5) {
            unexpectedErrors.add(outcome.kind() + " after " + outcome.elapsed().toNanos() / 1000 + " µs: " + outcome.error());
        }
        return outcome;
    }

    @TearDown
    public void tearDown() {
        System.out.println("unexpected outcomes: " + unexpected.get() + (unexpectedErrors.isEmpty() ? ""
                : ", the first: " + String.join("; ", unexpectedErrors)));
        policy.close();
        trivial.close();
        addHeader.close();
        runtime.close();
    }

    private static Path write(Path file, String code) throws IOException {
        Files.writeString(file, code);
        return file;
    }
}
