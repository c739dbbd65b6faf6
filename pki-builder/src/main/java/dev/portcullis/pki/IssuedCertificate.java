package dev.portcullis.pki;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** A certificate with its private key, as made by {@link CertificateSpec}. */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey) {

    /** The certificate as one PEM block. */
    public String certificatePem() {
        return pem(certificate);
    }

    /** The private key as an unencrypted PKCS#8 PEM block (what curl, nginx and Netty all read). */
    public String privateKeyPem() {
        try {
            return pem(new JcaPKCS8Generator(privateKey, null).generate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the certificate PEM to {@code certFile} and the key PEM to {@code keyFile}. */
    public void write(Path certFile, Path keyFile) {
        writeString(certFile, certificatePem());
        writeString(keyFile, privateKeyPem());
    }

    /** Concatenated PEM of several certificates, in the order given (a bundle or a chain). */
    public static String pemOf(X509Certificate... certificates) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate c : certificates) {
            out.append(pem(c));
        }
        return out.toString();
    }

    public static void writeString(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
