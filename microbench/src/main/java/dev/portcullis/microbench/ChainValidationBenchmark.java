package dev.portcullis.microbench;

import dev.portcullis.truststore.ClientCertVerifier;
import dev.portcullis.truststore.TrustStore;
import dev.portcullis.truststore.Verification;
import dev.portcullis.truststore.VerifiedClient;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 3: validating a depth-3 P-256 chain (root in the store, client sends leaf + intermediate)
 * with {@link ClientCertVerifier}, on the JDK's providers and on ACCP (one fork per value).
 *
 * <ul>
 *   <li>{@code parseChain}: DER → two fresh X509Certificate objects; part of every cold validation.</li>
 *   <li>{@code coldValidation}: a first-time device: fresh certificate objects (no remembered
 *       signature checks) and a fresh verifier (empty cache), so PKIX runs in full with two ECDSA
 *       verifications, then the facts (SHA-256, names) are computed and cached.</li>
 *   <li>{@code warmValidation}: a reconnecting device: the cache hit that only re-checks dates.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class ChainValidationBenchmark {
    @Param({CryptoProviders.JDK, CryptoProviders.ACCP})
    public String providers;

    private TrustStore store;
    private byte[][] presentedDer;
    private CertificateFactory factory;
    private ClientCertVerifier warmVerifier;
    private X509Certificate[] warmChain;

    @Setup
    public void setUp() throws CertificateException {
        CryptoProviders.use(providers);
        DeviceChain chain = DeviceChain.generate("sensor-0042");
        store = chain.trustStore();
        presentedDer = chain.presentedDer();
        factory = CertificateFactory.getInstance("X.509");
        warmVerifier = new ClientCertVerifier(store, false);
        warmChain = DeviceChain.parseFresh(factory, presentedDer);
        requireVerified(warmVerifier.verify(warmChain, Instant.now()));
        requireVerified(new ClientCertVerifier(store, false).verify(DeviceChain.parseFresh(factory, presentedDer), Instant.now()));
    }

    @Benchmark
    public X509Certificate[] parseChain() throws CertificateException {
        return DeviceChain.parseFresh(factory, presentedDer);
    }

    @Benchmark
    public Verification coldValidation() throws CertificateException {
        return new ClientCertVerifier(store, false).verify(DeviceChain.parseFresh(factory, presentedDer), Instant.now());
    }

    @Benchmark
    public Verification warmValidation() {
        return warmVerifier.verify(warmChain, Instant.now());
    }

    private static void requireVerified(Verification verification) {
        if (!(verification instanceof VerifiedClient)) {
            throw new IllegalStateException("the benchmark chain does not verify: " + verification);
        }
    }
}
