package dev.portcullis.truststore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.testkit.TextMutator;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged PEM file or trust store bundle is read or refused with a clear error, never anything else. */
class PemPropertyTest {
    @TempDir
    Path dir;

    @Test
    void everyMutationOfABundleIsCertificatesOrAClearError() throws IOException {
        Path good = TestCertificates.writePem(dir, "good.pem",
                TestCertificates.selfSigned(new X500Name("CN=Root A,O=Example"), BigInteger.ONE),
                TestCertificates.selfSigned(new X500Name("CN=Root B,O=Example"), BigInteger.TWO));
        String pem = Files.readString(good);
        Path file = dir.resolve("mutated.pem");
        int refused = 0;
        for (long seed = 0; seed < 2000; seed++) {
            Files.writeString(file, TextMutator.mutate(pem, seed), StandardCharsets.UTF_8);
            try {
                PemCertificates.read(file);
            } catch (CertificateFileException e) {
                refused++;
                assertThat(e.getMessage()).as("seed %d", seed).isNotBlank();
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " threw " + e + " reading:\n" + Files.readString(file), e);
            }
            try {
                TrustStore.load("ts", file);
            } catch (TrustStoreException e) {
                assertThat(e.getMessage()).as("seed %d", seed).isNotBlank();
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " threw " + e + " loading:\n" + Files.readString(file), e);
            }
        }
        assertThat(refused).isGreaterThan(500);
    }
}
