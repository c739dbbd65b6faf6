package dev.portcullis.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.portcullis.config.OcspConfig;
import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.truststore.CertificateRevocation.Status;
import dev.portcullis.truststore.ClientCertVerifier;
import dev.portcullis.truststore.RevocationStatus;
import dev.portcullis.truststore.TrustStore;
import dev.portcullis.truststore.VerifiedClient;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.IssuingDistributionPoint;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What CRL files are refused (naming the file) and how a loaded CRL decides, on PKI made here. */
class CrlLoaderTest {
    @TempDir
    Path dir;

    final IssuedCertificate root = CertificateSpec.ca("CN=CRL Root,O=Tests").selfSigned();
    final IssuedCertificate intermediate = CertificateSpec.ca("CN=CRL Intermediate,O=Tests").signedBy(root);
    final IssuedCertificate leaf = CertificateSpec.client("CN=leaf,O=Tests").serial(new BigInteger("5c11c1", 16))
            .signedBy(intermediate);

    TrustStore store() throws Exception {
        Path bundle = dir.resolve("bundle.pem");
        IssuedCertificate.writeString(bundle, IssuedCertificate.pemOf(root.certificate(), intermediate.certificate()));
        return TrustStore.load("ts1", bundle);
    }

    Path crl(String name, IssuedCertificate issuer, PrivateKey signer, Instant thisUpdate, Instant nextUpdate,
             Consumer<X509v2CRLBuilder> more) throws Exception {
        X509v2CRLBuilder builder = new X509v2CRLBuilder(X500Name.getInstance(
                issuer.certificate().getSubjectX500Principal().getEncoded()), Date.from(thisUpdate));
        builder.setNextUpdate(Date.from(nextUpdate));
        builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.ONE));
        more.accept(builder);
        X509CRLHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer));
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            writer.writeObject(holder);
        }
        Path file = dir.resolve(name);
        Files.writeString(file, pem.toString());
        return file;
    }

    Path crl(String name, Consumer<X509v2CRLBuilder> more) throws Exception {
        return crl(name, intermediate, intermediate.privateKey(), Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(7)), more);
    }

    RevocationStatus check(Path crlFile) throws Exception {
        TrustStore store = store();
        CrlSet crls = new CrlSet(CrlLoader.load(store, List.of(crlFile), Instant.now()), false);
        RevocationChecker checker = new RevocationChecker("ts1", crls, false, OcspConfig.DEFAULTS, null, Clock.systemUTC());
        VerifiedClient client = (VerifiedClient) new ClientCertVerifier(store, false)
                .verify(new X509Certificate[] {leaf.certificate()}, Instant.now());
        return checker.check(client.path(), false);
    }

    @Test
    void aListedSerialIsRevokedAndAnUnlistedOneGood() throws Exception {
        Path listed = crl("int.crl.pem", b -> b.addCRLEntry(new BigInteger("5c11c1", 16), new Date(), CRLReason.keyCompromise));
        RevocationStatus status = check(listed);
        assertThat(status.chainValidity()).isEqualTo(RevocationStatus.ChainValidity.Invalid);
        assertThat(status.certificates().getFirst().status()).isEqualTo(Status.Revoked);

        Path other = crl("other.crl.pem", b -> b.addCRLEntry(BigInteger.TEN, new Date(), CRLReason.keyCompromise));
        assertThat(check(other).chainValidity()).isEqualTo(RevocationStatus.ChainValidity.Valid);
        assertThat(check(other).certificates()).hasSize(1); // the leaf was covered; the intermediate has no CRL
    }

    @Test
    void aLeafNothingCheckedHasNoResultRatherThanItsIssuersResult() throws Exception {
        Path rootCrl = crl("root.crl.pem", root, root.privateKey(), Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(7)), b -> { });
        RevocationStatus status = check(rootCrl);
        assertThat(status.leaf()).as("the leaf's issuer has no CRL").isNull();
        assertThat(status.intermediates()).hasSize(1);
        assertThat(status.intermediates().getFirst().serialNumber())
                .isEqualTo(dev.portcullis.truststore.CertificateFacts.serialOf(intermediate.certificate()));
    }

    @Test
    void anEntryThatOnlyLiftsAHoldDoesNotRevoke() throws Exception {
        Path lifted = crl("int.crl.pem", b -> b.addCRLEntry(new BigInteger("5c11c1", 16), new Date(), CRLReason.removeFromCRL));
        assertThat(check(lifted).chainValidity()).isEqualTo(RevocationStatus.ChainValidity.Valid);
    }

    @Test
    void anExpiredCrlMakesWhatItCoversUndeterminedButStillRevokesWhatItLists() throws Exception {
        Instant longAgo = Instant.now().minus(Duration.ofDays(30));
        Path expired = crl("old.crl.pem", intermediate, intermediate.privateKey(), longAgo, longAgo.plus(Duration.ofDays(7)), b -> { });
        RevocationStatus status = check(expired);
        assertThat(status.chainValidity()).isEqualTo(RevocationStatus.ChainValidity.Unknown);
        assertThat(status.certificates().getFirst().errorType()).isEqualTo("CrlExpired");

        Path expiredListing = crl("old2.crl.pem", intermediate, intermediate.privateKey(), longAgo, longAgo.plus(Duration.ofDays(7)),
                b -> b.addCRLEntry(new BigInteger("5c11c1", 16), Date.from(longAgo), CRLReason.keyCompromise));
        assertThat(check(expiredListing).chainValidity()).isEqualTo(RevocationStatus.ChainValidity.Invalid);
    }

    @Test
    void refusesWhatCouldMakeACheckWrongNamingTheFile() throws Exception {
        TrustStore store = store();
        IssuedCertificate impostor = CertificateSpec.ca("CN=CRL Intermediate,O=Tests").selfSigned();
        Path forged = crl("forged.crl.pem", intermediate, impostor.privateKey(), Instant.now(), Instant.now().plusSeconds(600), b -> { });
        assertThatThrownBy(() -> CrlLoader.load(store, List.of(forged), Instant.now()))
                .hasMessageContaining("forged.crl.pem").hasMessageContaining("signature does not verify");

        Path delta = crl("delta.crl.pem", b -> addExtension(b, Extension.deltaCRLIndicator, true, new CRLNumber(BigInteger.ONE)));
        assertThatThrownBy(() -> CrlLoader.load(store, List.of(delta), Instant.now()))
                .hasMessageContaining("delta.crl.pem").hasMessageContaining("a delta CRL");

        Path partial = crl("partial.crl.pem", b -> addExtension(b, Extension.issuingDistributionPoint, true,
                new IssuingDistributionPoint(null, true, false, null, false, false)));
        assertThatThrownBy(() -> CrlLoader.load(store, List.of(partial), Instant.now()))
                .hasMessageContaining("partial.crl.pem").hasMessageContaining("only end-entity certificates");

        Path future = crl("future.crl.pem", intermediate, intermediate.privateKey(), Instant.now().plus(Duration.ofHours(2)),
                Instant.now().plus(Duration.ofDays(7)), b -> { });
        assertThatThrownBy(() -> CrlLoader.load(store, List.of(future), Instant.now()))
                .hasMessageContaining("future.crl.pem").hasMessageContaining("thisUpdate is in the future");

        Path twice = crl("again.crl.pem", b -> { });
        Path first = crl("first.crl.pem", b -> { });
        assertThatThrownBy(() -> CrlLoader.load(store, List.of(first, twice), Instant.now()))
                .hasMessageContaining("again.crl.pem").hasMessageContaining("a second CRL");

        IssuedCertificate stranger = CertificateSpec.ca("CN=Another CA,O=Elsewhere").selfSigned();
        Path foreign = crl("foreign.crl.pem", stranger, stranger.privateKey(), Instant.now(), Instant.now().plusSeconds(600), b -> { });
        assertThatThrownBy(() -> CrlLoader.load(store, List.of(foreign), Instant.now()))
                .hasMessageContaining("foreign.crl.pem").hasMessageContaining("not a CA of trust store ts1");

        Path garbage = dir.resolve("garbage.crl");
        Files.writeString(garbage, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> CrlLoader.load(store, List.of(garbage), Instant.now()))
                .hasMessageContaining("garbage.crl").hasMessageContaining("not a CRL");
    }

    @Test
    void aHundredThousandEntryCrlIsAHashLookup() throws Exception {
        Path big = crl("big.crl.pem", b -> {
            Date now = new Date();
            for (int i = 1; i <= 100_000; i++) {
                b.addCRLEntry(BigInteger.valueOf(1_000_000L + i), now, CRLReason.superseded);
            }
        });
        IssuerCrl loaded = CrlLoader.load(store(), List.of(big), Instant.now()).getFirst();
        assertThat(loaded.revoked()).hasSize(100_000).containsKey(BigInteger.valueOf(1_050_000L));
        assertThat(check(big).chainValidity()).isEqualTo(RevocationStatus.ChainValidity.Valid);
    }

    private static void addExtension(X509v2CRLBuilder builder, org.bouncycastle.asn1.ASN1ObjectIdentifier oid, boolean critical,
                                     org.bouncycastle.asn1.ASN1Encodable value) {
        try {
            builder.addExtension(oid, critical, value);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
