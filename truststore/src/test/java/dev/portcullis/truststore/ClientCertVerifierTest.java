package dev.portcullis.truststore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.pki.CertificateSpec;
import dev.portcullis.pki.IssuedCertificate;
import dev.portcullis.pki.KeyType;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ClientCertVerifierTest {
    private static final Instant NOW = Instant.now();

    // ---- success paths ------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P256", "RSA_2048"})
    void leafSignedByRoot(KeyType type) {
        IssuedCertificate root = ca("Root CA", type).selfSigned();
        IssuedCertificate leaf = client("client-1", type).serial(new BigInteger("9e2aaf16", 16)).signedBy(root);
        VerifiedClient client = assertVerified(verifier(false, root), leaf);
        assertThat(client.leaf().serialNumber()).isEqualTo("00:9e:2a:af:16");
        assertThat(client.leaf().subject()).isEqualTo("CN=client-1,O=Example");
        assertThat(client.leaf().issuer()).isEqualTo("CN=Root CA,O=Example");
        assertThat(client.intermediates()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P384", "RSA_2048"})
    void presentedIntermediateReportedAsIntermediate(KeyType type) {
        IssuedCertificate root = ca("Root CA", type).selfSigned();
        IssuedCertificate intermediate = ca("Intermediate CA", type).signedBy(root);
        IssuedCertificate leaf = client("client-1", type).signedBy(intermediate);
        VerifiedClient client = assertVerified(verifier(false, root), leaf, intermediate);
        assertThat(client.intermediates()).extracting(CertificateFacts::subject)
                .containsExactly("CN=Intermediate CA,O=Example");
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P256", "RSA_2048"})
    void leafOnlyWithTheIntermediateInTheBundle(KeyType type) {
        IssuedCertificate root = ca("Root CA", type).selfSigned();
        IssuedCertificate intermediate = ca("Intermediate CA", type).signedBy(root);
        IssuedCertificate leaf = client("client-1", type).signedBy(intermediate);
        assertThat(assertVerified(verifier(false, root, intermediate), leaf).intermediates()).isEmpty();
        // a bundle holding only the intermediate is a partial chain, still trusted
        assertVerified(verifier(false, intermediate), leaf);
        // without the intermediate anywhere there is no path
        assertRejected(verifier(false, root).verify(chain(leaf), NOW),
                FailureCode.ClientCertUntrusted, TlsAlert.UNKNOWN_CA);
    }

    @Test
    void rsaPssSignatureWithSha256IsAccepted() {
        addBouncyCastleForSigning();
        IssuedCertificate root = ca("Root CA", KeyType.RSA_2048).selfSigned();
        IssuedCertificate leaf = client("pss", KeyType.EC_P256).signatureAlgorithm("SHA256withRSAandMGF1").signedBy(root);
        assertThat(leaf.certificate().getSigAlgOID()).isEqualTo("1.2.840.113549.1.1.10");
        assertVerified(verifier(false, root), leaf);
    }

    @Test
    void anyExtendedKeyUsageAndNoExtendedKeyUsageAreAccepted() {
        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        assertVerified(verifier(false, root), CertificateSpec.of("CN=any")
                .extendedKeyUsage(KeyPurposeId.anyExtendedKeyUsage).signedBy(root));
        assertVerified(verifier(false, root), CertificateSpec.of("CN=plain").signedBy(root));
        assertVerified(verifier(false, root), CertificateSpec.of("CN=no-ku").keyUsage(null).signedBy(root));
    }

    // ---- depth --------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P256", "RSA_2048"})
    void depthFourIncludingTheRootPassesFiveFails(KeyType type) {
        IssuedCertificate root = ca("Root CA", type).selfSigned();
        IssuedCertificate int1 = ca("Int 1", type).signedBy(root);
        IssuedCertificate int2 = ca("Int 2", type).signedBy(int1);
        IssuedCertificate int3 = ca("Int 3", type).signedBy(int2);
        ClientCertVerifier verifier = verifier(false, root);

        VerifiedClient four = assertVerified(verifier, client("depth-4", type).signedBy(int2), int2, int1);
        assertThat(four.intermediates()).hasSize(2);
        assertRejected(verifier.verify(chain(client("depth-5", type).signedBy(int3), int3, int2, int1), NOW),
                FailureCode.ClientCertMaxChainDepthExceeded, TlsAlert.UNKNOWN_CA);
    }

    @Test
    void depthCountsIntermediatesTakenFromTheBundle() {
        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        IssuedCertificate int1 = ca("Int 1", KeyType.EC_P256).signedBy(root);
        IssuedCertificate int2 = ca("Int 2", KeyType.EC_P256).signedBy(int1);
        IssuedCertificate int3 = ca("Int 3", KeyType.EC_P256).signedBy(int2);
        ClientCertVerifier verifier = verifier(false, root, int1, int2, int3);
        assertVerified(verifier, client("depth-4", KeyType.EC_P256).signedBy(int2));
        assertRejected(verifier.verify(chain(client("depth-5", KeyType.EC_P256).signedBy(int3)), NOW),
                FailureCode.ClientCertMaxChainDepthExceeded, TlsAlert.UNKNOWN_CA);
    }

    @Test
    void pathLengthConstraintViolation() {
        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        IssuedCertificate int1 = ca("Int 1", KeyType.EC_P256).pathLength(0).signedBy(root);
        IssuedCertificate int2 = ca("Int 2", KeyType.EC_P256).signedBy(int1);
        IssuedCertificate leaf = client("client", KeyType.EC_P256).signedBy(int2);
        assertRejected(verifier(false, root).verify(chain(leaf, int2, int1), NOW),
                FailureCode.ClientCertMaxChainDepthExceeded, TlsAlert.UNKNOWN_CA);
    }

    @Test
    void tooManyPresentedCertificates() {
        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        IssuedCertificate leaf = client("client", KeyType.EC_P256).signedBy(root);
        X509Certificate[] eleven = new X509Certificate[11];
        java.util.Arrays.fill(eleven, leaf.certificate());
        assertRejected(verifier(false, root).verify(eleven, NOW),
                FailureCode.ClientCertMaxChainDepthExceeded, TlsAlert.UNKNOWN_CA);
    }

    // ---- missing and untrusted ----------------------------------------------------------------------------

    @Test
    void noCertificate() {
        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        ClientCertVerifier verifier = verifier(false, root);
        assertRejected(verifier.verify(new X509Certificate[0], NOW), FailureCode.ClientCertMissing,
                TlsAlert.CERTIFICATE_REQUIRED);
        assertRejected(verifier.verify(null, NOW), FailureCode.ClientCertMissing, TlsAlert.CERTIFICATE_REQUIRED);
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P256", "RSA_2048"})
    void untrusted(KeyType type) {
        IssuedCertificate root = ca("Root CA", type).selfSigned();
        IssuedCertificate otherRoot = ca("Other Root", type).selfSigned();
        ClientCertVerifier verifier = verifier(false, root);
        assertRejected(verifier.verify(chain(client("stranger", type).signedBy(otherRoot)), NOW),
                FailureCode.ClientCertUntrusted, TlsAlert.UNKNOWN_CA);
        assertRejected(verifier.verify(chain(client("stranger", type).signedBy(otherRoot), otherRoot), NOW),
                FailureCode.ClientCertUntrusted, TlsAlert.UNKNOWN_CA);
        assertRejected(verifier.verify(chain(client("self", type).selfSigned()), NOW),
                FailureCode.ClientCertUntrusted, TlsAlert.UNKNOWN_CA);
    }

    // ---- dates --------------------------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P256", "RSA_2048"})
    void expiredAndNotYetValid(KeyType type) {
        IssuedCertificate root = ca("Root CA", type).selfSigned();
        ClientCertVerifier verifier = verifier(false, root);
        assertRejected(verifier.verify(chain(client("old", type).expired().signedBy(root)), NOW),
                FailureCode.ClientCertExpired, TlsAlert.CERTIFICATE_EXPIRED);
        assertRejected(verifier.verify(chain(client("new", type).notYetValid().signedBy(root)), NOW),
                FailureCode.ClientCertNotYetValid, TlsAlert.BAD_CERTIFICATE);
    }

    @Test
    void expiredIntermediateAndExpiredRoot() {
        IssuedCertificate oldRoot = ca("Old Root", KeyType.EC_P256).expired().selfSigned();
        assertRejected(verifier(false, oldRoot).verify(chain(client("c", KeyType.EC_P256).signedBy(oldRoot)), NOW),
                FailureCode.ClientCertExpired, TlsAlert.CERTIFICATE_EXPIRED);

        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        IssuedCertificate oldIntermediate = ca("Old Int", KeyType.EC_P256).expired().signedBy(root);
        Rejection rejection = assertRejected(verifier(false, root).verify(
                        chain(client("c", KeyType.EC_P256).signedBy(oldIntermediate), oldIntermediate), NOW),
                FailureCode.ClientCertExpired, TlsAlert.CERTIFICATE_EXPIRED);
        assertThat(rejection.reason()).contains("CN=Old Int,O=Example");
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P256", "RSA_2048"})
    void ignoreExpirySkipsOnlyTheDates(KeyType type) {
        IssuedCertificate root = ca("Root CA", type).selfSigned();
        IssuedCertificate oldIntermediate = ca("Old Int", type).expired().signedBy(root);
        ClientCertVerifier verifier = verifier(true, root);
        assertVerified(verifier, client("old", type).expired().signedBy(root));
        assertVerified(verifier, client("new", type).notYetValid().signedBy(root));
        assertVerified(verifier, client("old-int", type).expired().signedBy(oldIntermediate), oldIntermediate);
        // everything else still applies
        assertRejected(verifier.verify(chain(CertificateSpec.of("CN=server,O=Example").expired()
                        .extendedKeyUsage(KeyPurposeId.id_kp_serverAuth).keyType(type).signedBy(root)), NOW),
                FailureCode.ClientCertIntentInvalid, TlsAlert.UNSUPPORTED_CERTIFICATE);
        assertRejected(verifier.verify(new X509Certificate[] {
                        tamperedSignature(client("forged", type).expired().signedBy(root))}, NOW),
                FailureCode.ClientCertInvalid, TlsAlert.BAD_CERTIFICATE);
        IssuedCertificate otherRoot = ca("Other Root", type).selfSigned();
        assertRejected(verifier.verify(chain(client("stranger", type).expired().signedBy(otherRoot)), NOW),
                FailureCode.ClientCertUntrusted, TlsAlert.UNKNOWN_CA);
    }

    @Test
    void ignoreExpiryWithValidityWindowsThatNeverOverlap() {
        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        IssuedCertificate oldIntermediate = ca("Old Int", KeyType.EC_P256)
                .validity(NOW.minus(Duration.ofDays(60)), NOW.minus(Duration.ofDays(30))).signedBy(root);
        // issued after its issuer had expired: no instant lies inside both windows
        IssuedCertificate leaf = client("late", KeyType.EC_P256)
                .validity(NOW.minus(Duration.ofDays(10)), NOW.plus(Duration.ofDays(10))).signedBy(oldIntermediate);
        assertRejected(verifier(true, root).verify(chain(leaf, oldIntermediate), NOW),
                FailureCode.ClientCertExpired, TlsAlert.CERTIFICATE_EXPIRED);
    }

    // ---- intent, type, invalid ----------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P256", "RSA_2048"})
    void intentInvalid(KeyType type) {
        IssuedCertificate root = ca("Root CA", type).selfSigned();
        ClientCertVerifier verifier = verifier(false, root);
        assertRejected(verifier.verify(chain(CertificateSpec.server("CN=server,O=Example", "server.example")
                        .keyType(type).signedBy(root)), NOW),
                FailureCode.ClientCertIntentInvalid, TlsAlert.UNSUPPORTED_CERTIFICATE);
        assertRejected(verifier.verify(chain(client("no-sig", type).keyUsage(KeyUsage.keyAgreement).signedBy(root)), NOW),
                FailureCode.ClientCertIntentInvalid, TlsAlert.UNSUPPORTED_CERTIFICATE);
    }

    @Test
    void caWithoutCertificateSigningKeyUsage() {
        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        IssuedCertificate intermediate = ca("Int", KeyType.EC_P256).keyUsage(KeyUsage.digitalSignature).signedBy(root);
        assertRejected(verifier(false, root).verify(
                        chain(client("c", KeyType.EC_P256).signedBy(intermediate), intermediate), NOW),
                FailureCode.ClientCertIntentInvalid, TlsAlert.UNSUPPORTED_CERTIFICATE);
    }

    @Test
    void typeUnsupported() {
        addBouncyCastleForSigning();
        IssuedCertificate root = ca("Root CA", KeyType.RSA_2048).selfSigned();
        ClientCertVerifier verifier = verifier(false, root);
        assertRejected(verifier.verify(chain(client("weak", KeyType.RSA_1024).signedBy(root)), NOW),
                FailureCode.ClientCertTypeUnsupported, TlsAlert.UNSUPPORTED_CERTIFICATE);
        assertRejected(verifier.verify(chain(client("sha1", KeyType.EC_P256)
                        .signatureAlgorithm("SHA1withRSA").signedBy(root)), NOW),
                FailureCode.ClientCertTypeUnsupported, TlsAlert.UNSUPPORTED_CERTIFICATE);
        assertRejected(verifier.verify(chain(client("pss-sha1", KeyType.EC_P256)
                        .signatureAlgorithm("SHA1withRSAandMGF1").signedBy(root)), NOW),
                FailureCode.ClientCertTypeUnsupported, TlsAlert.UNSUPPORTED_CERTIFICATE);
        IssuedCertificate weakRoot = ca("Weak Root", KeyType.RSA_1024).selfSigned();
        assertRejected(verifier(false, weakRoot).verify(chain(client("c", KeyType.EC_P256).signedBy(weakRoot)), NOW),
                FailureCode.ClientCertTypeUnsupported, TlsAlert.UNSUPPORTED_CERTIFICATE);
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = {"EC_P256", "RSA_2048"})
    void badSignatureAndNonCaIntermediate(KeyType type) {
        IssuedCertificate root = ca("Root CA", type).selfSigned();
        ClientCertVerifier verifier = verifier(false, root);
        Rejection forged = assertRejected(verifier.verify(
                        new X509Certificate[] {tamperedSignature(client("forged", type).signedBy(root))}, NOW),
                FailureCode.ClientCertInvalid, TlsAlert.BAD_CERTIFICATE);
        assertThat(forged.reason()).contains("CN=forged");
        // same issuer name, other key: the authority key identifier matches no trust anchor
        IssuedCertificate impostor = ca("Root CA", type).selfSigned();
        assertRejected(verifier.verify(chain(client("impostor", type).signedBy(impostor)), NOW),
                FailureCode.ClientCertUntrusted, TlsAlert.UNKNOWN_CA);

        IssuedCertificate notCa = CertificateSpec.of("CN=Not A CA,O=Example").keyType(type)
                .keyUsage(KeyUsage.keyCertSign | KeyUsage.digitalSignature).signedBy(root);
        assertRejected(verifier.verify(chain(client("c", type).signedBy(notCa), notCa), NOW),
                FailureCode.ClientCertInvalid, TlsAlert.BAD_CERTIFICATE);
        assertRejected(verifier.verify(new X509Certificate[] {client("c", type).signedBy(root).certificate(), null}, NOW),
                FailureCode.ClientCertInvalid, TlsAlert.BAD_CERTIFICATE);
    }

    // ---- cache --------------------------------------------------------------------------------------------

    @Test
    void cachedValidationStillChecksDates() {
        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        IssuedCertificate leaf = client("c", KeyType.EC_P256)
                .validity(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1))).signedBy(root);
        ClientCertVerifier verifier = verifier(false, root);
        VerifiedClient first = assertVerified(verifier, leaf);
        assertThat(verifier.verify(chain(leaf), NOW)).isSameAs(first);
        assertRejected(verifier.verify(chain(leaf), NOW.plus(Duration.ofDays(2))),
                FailureCode.ClientCertExpired, TlsAlert.CERTIFICATE_EXPIRED);
        assertRejected(verifier.verify(chain(leaf), NOW.minus(Duration.ofDays(2))),
                FailureCode.ClientCertNotYetValid, TlsAlert.BAD_CERTIFICATE);
        Rejection rootExpired = assertRejected(verifier.verify(chain(leaf), NOW.plus(Duration.ofDays(4000))),
                FailureCode.ClientCertExpired, TlsAlert.CERTIFICATE_EXPIRED);
        assertThat(rootExpired.reason()).contains("CN=c,O=Example"); // the leaf expires first in path order
        assertThat(verifier.verify(chain(leaf), NOW)).isSameAs(first);
    }

    @Test
    void cacheIsKeyedByTheExactPresentedChain() {
        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        IssuedCertificate intermediate = ca("Int", KeyType.EC_P256).signedBy(root);
        IssuedCertificate leaf = client("c", KeyType.EC_P256).signedBy(intermediate);
        ClientCertVerifier verifier = verifier(false, root, intermediate);
        VerifiedClient leafOnly = assertVerified(verifier, leaf);
        VerifiedClient withIntermediate = assertVerified(verifier, leaf, intermediate);
        assertThat(leafOnly.intermediates()).isEmpty();
        assertThat(withIntermediate.intermediates()).hasSize(1);
        assertThat(verifier.verify(chain(leaf, intermediate), NOW)).isSameAs(withIntermediate);
    }

    @Test
    void concurrentVerificationsAgree() throws Exception {
        IssuedCertificate root = ca("Root CA", KeyType.EC_P256).selfSigned();
        List<IssuedCertificate> leaves = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            leaves.add(client("device-" + i, KeyType.EC_P256).signedBy(root));
        }
        IssuedCertificate stranger = client("stranger", KeyType.EC_P256).selfSigned();
        ClientCertVerifier verifier = verifier(false, root);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int round = 0; round < 400; round++) {
                IssuedCertificate leaf = round % 10 == 0 ? stranger : leaves.get(round % leaves.size());
                boolean expected = leaf != stranger;
                results.add(pool.submit(() -> verifier.verify(chain(leaf), Instant.now()) instanceof VerifiedClient == expected));
            }
            for (Future<Boolean> result : results) {
                assertThat(result.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void boundedCacheStaysBounded() {
        BoundedCache<Integer, Integer> cache = new BoundedCache<>(80);
        for (int i = 0; i < 1000; i++) {
            cache.put(i, i);
            assertThat(cache.size()).isLessThanOrEqualTo(80);
        }
        assertThat(cache.get(999)).isEqualTo(999);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    /** The JDK signs RSASSA-PSS only as "RSASSA-PSS" with parameters; BouncyCastle knows "SHA256withRSAandMGF1". */
    private static void addBouncyCastleForSigning() {
        if (java.security.Security.getProvider("BC") == null) {
            java.security.Security.addProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
        }
    }

    /** The certificate with the last byte of its signature flipped: well-formed, but the signature fails. */
    private static X509Certificate tamperedSignature(IssuedCertificate certificate) {
        try {
            byte[] der = certificate.certificate().getEncoded();
            der[der.length - 1] ^= 0x01;
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(der));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CertificateSpec ca(String cn, KeyType type) {
        return CertificateSpec.ca("CN=" + cn + ",O=Example").keyType(type);
    }

    private static CertificateSpec client(String cn, KeyType type) {
        return CertificateSpec.client("CN=" + cn + ",O=Example").keyType(type);
    }

    private static ClientCertVerifier verifier(boolean ignoreExpiry, IssuedCertificate... bundle) {
        return new ClientCertVerifier(TrustStore.of("test", TrustStoreTest.list(bundle)), ignoreExpiry);
    }

    private static X509Certificate[] chain(IssuedCertificate... certificates) {
        return TrustStoreTest.list(certificates).toArray(X509Certificate[]::new);
    }

    private static VerifiedClient assertVerified(ClientCertVerifier verifier, IssuedCertificate leaf,
                                                 IssuedCertificate... rest) {
        List<IssuedCertificate> all = new ArrayList<>(List.of(leaf));
        all.addAll(List.of(rest));
        Verification result = verifier.verify(chain(all.toArray(IssuedCertificate[]::new)), NOW);
        assertThat(result).as("%s", result).isInstanceOf(VerifiedClient.class);
        VerifiedClient client = (VerifiedClient) result;
        assertThat(client.leaf().certificate()).isEqualTo(leaf.certificate());
        return client;
    }

    private static Rejection assertRejected(Verification result, FailureCode code, TlsAlert alert) {
        assertThat(result).as("%s", result).isInstanceOf(Rejection.class);
        Rejection rejection = (Rejection) result;
        assertThat(rejection.code()).as(rejection.reason()).isEqualTo(code);
        assertThat(rejection.alert()).as(rejection.reason()).isEqualTo(alert);
        assertThat(rejection.reason()).isNotBlank().doesNotContain("\n", "\r");
        return rejection;
    }
}
