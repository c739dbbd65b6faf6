package dev.portcullis.pki;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * A small CA in a directory, shaped as the AWS blog builds one: a root and an intermediate
 * ({@code Root_CA.pem/.key}, {@code Intermediate_CA.pem/.key}, {@code Trust_store_bundle.pem}), client
 * certificates issued by the intermediate ({@code NAME.pem}, {@code NAME.key}, {@code NAME-chain.pem}
 * with the intermediate, the file curl's {@code --cert} takes) and the intermediate's CRL
 * ({@code crl.pem}). Everything is PEM that openssl, curl and the node read unchanged.
 */
public final class LocalCa {
    public static final String ROOT = "Root_CA";
    public static final String INTERMEDIATE = "Intermediate_CA";
    public static final String BUNDLE = "Trust_store_bundle.pem";
    public static final String CRL = "crl.pem";

    private final Path dir;
    private final IssuedCertificate root;
    private final IssuedCertificate intermediate;

    private LocalCa(Path dir, IssuedCertificate root, IssuedCertificate intermediate) {
        this.dir = dir;
        this.root = root;
        this.intermediate = intermediate;
    }

    /** One issued certificate as {@link #list()} reports it. */
    public record Issued(String name, BigInteger serial, String subject, Instant notAfter, boolean revoked) {
        /**
         * The serial as a connection function sees it with the colons removed (the blog's KeyValueStore
         * keys): the DER INTEGER's bytes in lower-case hex, a leading 00 kept.
         */
        public String serialHex() {
            return hex(serial);
        }
    }

    /** A serial as {@link Issued#serialHex()} writes it. */
    public static String hex(BigInteger serial) {
        return java.util.HexFormat.of().formatHex(serial.toByteArray());
    }

    /** Makes a new root and intermediate in {@code dir}; refuses to overwrite an existing CA. */
    public static LocalCa init(Path dir, KeyType keyType) {
        if (Files.exists(dir.resolve(ROOT + ".pem"))) {
            throw new IllegalStateException(dir.resolve(ROOT + ".pem") + " exists: " + dir + " already holds a CA");
        }
        Instant now = Instant.now();
        IssuedCertificate root = CertificateSpec.ca("CN=Portcullis Local Root CA,O=Portcullis Local PKI")
                .keyType(keyType).validity(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(3650))).selfSigned();
        IssuedCertificate intermediate = CertificateSpec.ca("CN=Portcullis Local Intermediate CA,O=Portcullis Local PKI")
                .keyType(keyType).pathLength(0).validity(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1825)))
                .signedBy(root);
        root.write(dir.resolve(ROOT + ".pem"), dir.resolve(ROOT + ".key"));
        intermediate.write(dir.resolve(INTERMEDIATE + ".pem"), dir.resolve(INTERMEDIATE + ".key"));
        IssuedCertificate.writeString(dir.resolve(BUNDLE), IssuedCertificate.pemOf(root.certificate(), intermediate.certificate()));
        LocalCa ca = new LocalCa(dir, root, intermediate);
        ca.writeCrl(new TreeMap<>(), BigInteger.ONE);
        return ca;
    }

    /** The CA an earlier {@link #init} wrote to {@code dir}. */
    public static LocalCa open(Path dir) {
        return new LocalCa(dir, read(dir, ROOT), read(dir, INTERMEDIATE));
    }

    /**
     * Issues a client certificate for {@code CN=name}, signed by the intermediate.
     *
     * @param subjectAltNames entries as openssl writes them: {@code DNS:host}, {@code URI:spiffe://...},
     *                        {@code IP:1.2.3.4}, {@code email:a@b}
     */
    public IssuedCertificate issue(String name, Duration validity, KeyType keyType, List<String> subjectAltNames,
                                   String ocspUrl) {
        return issue(name, validity, keyType, subjectAltNames, ocspUrl, false);
    }

    /**
     * As above; with {@code server} the certificate is for a TLS server (extendedKeyUsage serverAuth,
     * the names in {@code subjectAltNames}), what an edge of a local setup serves.
     */
    public IssuedCertificate issue(String name, Duration validity, KeyType keyType, List<String> subjectAltNames,
                                   String ocspUrl, boolean server) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("name '" + name + "': letters, digits, '.', '_' and '-', at most 64");
        }
        if (Files.exists(dir.resolve(name + ".pem"))) {
            throw new IllegalStateException(dir.resolve(name + ".pem") + " exists: pick another name");
        }
        Instant now = Instant.now();
        String subject = "CN=" + name + ",O=Portcullis Local PKI";
        CertificateSpec spec = (server ? CertificateSpec.server(subject) : CertificateSpec.client(subject)).keyType(keyType)
                .validity(now.minus(Duration.ofMinutes(5)), now.plus(validity));
        for (String san : subjectAltNames) {
            int colon = san.indexOf(':');
            String kind = colon > 0 ? san.substring(0, colon) : "";
            String value = san.substring(colon + 1);
            switch (kind) {
                case "DNS" -> spec.dnsName(value);
                case "URI" -> spec.uri(value);
                case "IP" -> spec.ipAddress(value);
                default -> throw new IllegalArgumentException("subject alternative name '" + san
                        + "': expected DNS:..., URI:... or IP:...");
            }
        }
        if (ocspUrl != null) {
            spec.ocspUrl(ocspUrl);
        }
        IssuedCertificate leaf = spec.signedBy(intermediate);
        leaf.write(dir.resolve(name + ".pem"), dir.resolve(name + ".key"));
        IssuedCertificate.writeString(dir.resolve(name + "-chain.pem"),
                IssuedCertificate.pemOf(leaf.certificate(), intermediate.certificate()));
        return leaf;
    }

    /**
     * Adds {@code serial} to the intermediate's CRL (reason unspecified), which is re-signed with the
     * next CRL number. Revoking a serial twice keeps its first revocation date.
     */
    public void revoke(BigInteger serial) {
        X509CRL current = readCrl();
        Map<BigInteger, Date> revoked = new TreeMap<>();
        if (current.getRevokedCertificates() != null) {
            for (X509CRLEntry entry : current.getRevokedCertificates()) {
                revoked.put(entry.getSerialNumber(), entry.getRevocationDate());
            }
        }
        revoked.putIfAbsent(serial, new Date());
        writeCrl(revoked, crlNumber(current).add(BigInteger.ONE));
    }

    /** Every certificate issued into the directory, by name, with its expiry and whether it is revoked. */
    public List<Issued> list() {
        X509CRL crl = readCrl();
        List<Issued> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.pem")) {
            for (Path file : files) {
                String fileName = file.getFileName().toString();
                String name = fileName.substring(0, fileName.length() - 4);
                if (name.endsWith("-chain") || name.equals(ROOT) || name.equals(INTERMEDIATE)
                        || fileName.equals(BUNDLE) || fileName.equals(CRL) || !Files.exists(dir.resolve(name + ".key"))) {
                    continue;
                }
                X509Certificate c = certificate(file);
                out.add(new Issued(name, c.getSerialNumber(), c.getSubjectX500Principal().getName(),
                        c.getNotAfter().toInstant(), crl.getRevokedCertificate(c.getSerialNumber()) != null));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(java.util.Comparator.comparing(Issued::name));
        return out;
    }

    public IssuedCertificate intermediate() {
        return intermediate;
    }

    private void writeCrl(Map<BigInteger, Date> revoked, BigInteger number) {
        try {
            Instant now = Instant.now();
            X509v2CRLBuilder builder = new X509v2CRLBuilder(
                    X500Name.getInstance(intermediate.certificate().getSubjectX500Principal().getEncoded()),
                    Date.from(now.minus(Duration.ofMinutes(5))));
            builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(7))));
            revoked.forEach((serial, date) -> builder.addCRLEntry(serial, date, CRLReason.unspecified));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(intermediate.certificate()));
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
            String algorithm = intermediate.privateKey().getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            X509CRL crl = new JcaX509CRLConverter().getCRL(builder.build(
                    new JcaContentSignerBuilder(algorithm).build(intermediate.privateKey())));
            java.io.StringWriter pem = new java.io.StringWriter();
            try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
                writer.writeObject(crl);
            }
            IssuedCertificate.writeString(dir.resolve(CRL), pem.toString());
        } catch (Exception e) {
            throw new IllegalStateException("cannot write " + dir.resolve(CRL) + ": " + e.getMessage(), e);
        }
    }

    private static BigInteger crlNumber(X509CRL crl) {
        try {
            Extension number = new org.bouncycastle.cert.X509CRLHolder(crl.getEncoded()).getExtension(Extension.cRLNumber);
            return number == null ? BigInteger.ZERO : CRLNumber.getInstance(number.getParsedValue()).getCRLNumber();
        } catch (IOException | java.security.cert.CRLException e) {
            throw new IllegalStateException("cannot read the CRL number: " + e.getMessage(), e);
        }
    }

    private X509CRL readCrl() {
        try (var in = Files.newInputStream(dir.resolve(CRL))) {
            return (X509CRL) CertificateFactory.getInstance("X.509").generateCRL(in);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot read " + dir.resolve(CRL) + ": " + e.getMessage(), e);
        }
    }

    private static IssuedCertificate read(Path dir, String name) {
        return new IssuedCertificate(certificate(dir.resolve(name + ".pem")), key(dir.resolve(name + ".key")));
    }

    private static X509Certificate certificate(Path file) {
        try (var in = Files.newInputStream(file)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | CertificateException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey key(Path file) {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(in)) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (object instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            throw new IllegalStateException(file + ": not an unencrypted private key");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
