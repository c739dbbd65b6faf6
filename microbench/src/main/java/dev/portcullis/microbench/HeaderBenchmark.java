package dev.portcullis.microbench;

import dev.portcullis.truststore.CertificateFacts;
import dev.portcullis.truststore.VerifiedClient;
import dev.portcullis.viewerheaders.ViewerCertHeaders;
import dev.portcullis.viewerheaders.ViewerHeader;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 3: the per-connection cost of the viewer headers. {@code certificateFacts} is what the
 * verifier does once per new chain (DER walk, RFC 2253 names, SHA-256); {@code verifiedHeaders}
 * renders the seven {@code CloudFront-Viewer-Cert-*} headers from those facts (PEM + percent-encoding).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class HeaderBenchmark {
    private X509Certificate leaf;
    private VerifiedClient client;

    @Setup
    public void setUp() {
        DeviceChain chain = DeviceChain.generate("sensor-0042");
        leaf = chain.leaf().certificate();
        client = new VerifiedClient(CertificateFacts.of(leaf), List.of(CertificateFacts.of(chain.intermediate().certificate())));
    }

    @Benchmark
    public CertificateFacts certificateFacts() {
        return CertificateFacts.of(leaf);
    }

    @Benchmark
    public List<ViewerHeader> verifiedHeaders() {
        return ViewerCertHeaders.verified(client);
    }
}
