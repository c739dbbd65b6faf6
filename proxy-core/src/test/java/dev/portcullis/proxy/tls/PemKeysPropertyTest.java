package dev.portcullis.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.proxy.StartupException;
import dev.portcullis.testkit.TextMutator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged private key file (viewerCertificate.privateKey) is read or refused naming the key, never anything else. */
class PemKeysPropertyTest {
    @TempDir
    Path dir;

    @Test
    void everyMutationOfAKeyFileIsAKeyOrAClearError() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Path file = dir.resolve("mutated.key");
        int refused = 0;
        for (long seed = 0; seed < 2000; seed++) {
            Files.writeString(file, TextMutator.mutate(pem, seed), StandardCharsets.UTF_8);
            try {
                PemKeys.read(file, "viewerCertificate.privateKey");
            } catch (StartupException e) {
                refused++;
                assertThat(e.getMessage()).as("seed %d", seed).contains("viewerCertificate.privateKey");
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " threw " + e + " reading:\n" + read(file), e);
            }
        }
        assertThat(refused).isGreaterThan(500);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
