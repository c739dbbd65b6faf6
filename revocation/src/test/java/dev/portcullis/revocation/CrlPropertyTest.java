package dev.portcullis.revocation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.testkit.TextMutator;
import dev.portcullis.truststore.TrustStore;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Random;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A damaged CRL file (PEM text mutated, DER bytes flipped, cut or grown) is loaded or refused with a
 * message naming the file, never anything else; and whatever loads as the CA's is the CA's own (a
 * flipped byte in the signed part must not load as a different list).
 */
class CrlPropertyTest {
    @TempDir
    Path dir;

    @Test
    void everyDamagedCrlIsTheCasOwnOrAClearError() throws Exception {
        IssuedCertificate ca = CertificateSpec.ca("CN=Property CA,O=Tests").selfSigned();
        Path bundle = dir.resolve("bundle.pem");
        IssuedCertificate.writeString(bundle, ca.certificatePem());
        TrustStore store = TrustStore.load("ts", bundle);
        X509v2CRLBuilder builder = new X509v2CRLBuilder(X500Name.getInstance(
                ca.certificate().getSubjectX500Principal().getEncoded()), new Date());
        builder.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(7))));
        builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.TEN));
        for (int i = 1; i <= 20; i++) {
            builder.addCRLEntry(BigInteger.valueOf(4096 + i), new Date(), CRLReason.keyCompromise);
        }
        X509CRLHolder crl = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.privateKey()));
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            writer.writeObject(crl);
        }
        byte[] der = crl.getEncoded();
        Path file = dir.resolve("damaged.crl");
        int refused = 0;
        int loaded = 0;
        Random random = new Random(13);
        for (long seed = 0; seed < 3000; seed++) {
            if (seed % 2 == 0) {
                Files.writeString(file, TextMutator.mutate(pem.toString(), seed), StandardCharsets.UTF_8);
            } else {
                Files.write(file, mutate(der, random));
            }
            try {
                IssuerCrl read = CrlLoader.load(store, List.of(file), Instant.now()).getFirst();
                loaded++;
                // verified with the CA's key: the list is the one the CA signed
                assertThat(read.verifiedKey()).as("seed %d", seed).isEqualTo(ca.certificate().getPublicKey());
                assertThat(read.revoked()).as("seed %d", seed).hasSize(20).containsKey(BigInteger.valueOf(4097));
            } catch (RevocationConfigException e) {
                refused++;
                assertThat(e.getMessage()).as("seed %d", seed).contains(file.toString());
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " threw " + e, e);
            }
        }
        assertThat(refused).isGreaterThan(1000);
        assertThat(loaded).as("some mutations keep the CRL intact (PEM whitespace, comments)").isPositive();
    }

    private static byte[] mutate(byte[] der, Random random) {
        byte[] out = der.clone();
        switch (random.nextInt(4)) {
            case 0 -> out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
            case 1 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length));
            case 2 -> {
                out = java.util.Arrays.copyOf(out, out.length + 1 + random.nextInt(16));
                for (int i = der.length; i < out.length; i++) {
                    out[i] = (byte) random.nextInt(256);
                }
            }
            default -> {
                int at = random.nextInt(out.length);
                out[at] = (byte) random.nextInt(256);
                out[random.nextInt(out.length)] = (byte) random.nextInt(256);
            }
        }
        return out;
    }
}
