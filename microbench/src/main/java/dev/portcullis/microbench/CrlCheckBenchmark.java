package dev.portcullis.microbench;

import dev.portcullis.config.OcspConfig;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.revocation.CrlLoader;
import dev.portcullis.revocation.CrlSet;
import dev.portcullis.revocation.RevocationChecker;
import dev.portcullis.truststore.ClientCertVerifier;
import dev.portcullis.truststore.RevocationStatus;
import dev.portcullis.truststore.TrustStore;
import dev.portcullis.truststore.ValidatedPath;
import dev.portcullis.truststore.VerifiedClient;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 13: the CRL check a handshake pays, on a CRL of {@code entries} revoked serials (none of
 * them the client's): the whole {@link RevocationChecker#check} of a leaf-intermediate path, i.e.
 * two lookups (the leaf in the intermediate's CRL, the intermediate in none). It should not grow
 * with the CRL: the serials are a hash map.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class CrlCheckBenchmark {
    @Param({"10", "100000"})
    public int entries;

    private RevocationChecker checker;
    private ValidatedPath path;

    @Setup
    public void setUp() throws Exception {
        DeviceChain chain = DeviceChain.generate("sensor-0042");
        Path dir = Files.createTempDirectory("crl-bench");
        Path bundle = dir.resolve("bundle.pem");
        IssuedCertificate.writeString(bundle, IssuedCertificate.pemOf(chain.root().certificate(), chain.intermediate().certificate()));
        TrustStore store = TrustStore.load("bench", bundle);

        X509v2CRLBuilder builder = new X509v2CRLBuilder(X500Name.getInstance(
                chain.intermediate().certificate().getSubjectX500Principal().getEncoded()), new Date());
        builder.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(7))));
        Date now = new Date();
        for (int i = 0; i < entries; i++) {
            builder.addCRLEntry(BigInteger.valueOf(0x10000000L + i), now, CRLReason.superseded);
        }
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            writer.writeObject(builder.build(new JcaContentSignerBuilder(
                    chain.intermediate().certificate().getSigAlgName()).build(chain.intermediate().privateKey())));
        }
        Path crl = dir.resolve("intermediate.crl.pem");
        Files.writeString(crl, pem.toString());
        CrlSet crls = new CrlSet(CrlLoader.load(store, List.of(crl), Instant.now()), false);
        checker = new RevocationChecker("bench", crls, false, OcspConfig.DEFAULTS, null, Clock.systemUTC());
        VerifiedClient client = (VerifiedClient) new ClientCertVerifier(store, false)
                .verify(new X509Certificate[] {chain.leaf().certificate()}, Instant.now());
        path = client.path();
        if (checker.check(path, false).chainValidity() != RevocationStatus.ChainValidity.Valid) {
            throw new IllegalStateException("the benchmark client must be Good");
        }
    }

    @Benchmark
    public RevocationStatus check() {
        return checker.check(path, false);
    }
}
