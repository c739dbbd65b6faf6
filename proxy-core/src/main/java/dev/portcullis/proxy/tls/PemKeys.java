package dev.portcullis.proxy.tls;

import dev.portcullis.proxy.StartupException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/** Reads unencrypted PEM private keys (PKCS#8, PKCS#1 RSA, SEC1 EC) and checks they match a certificate. */
public final class PemKeys {
    private PemKeys() {
    }

    public static PrivateKey read(Path file, String key) throws StartupException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new StartupException(key + ": " + file + " holds no unencrypted private key"
                    + (object == null ? "" : " (found " + object.getClass().getSimpleName() + ")"));
        } catch (IOException e) {
            throw new StartupException(key + ": cannot read private key " + file + ": " + e.getMessage());
        }
    }

    /** Proves {@code privateKey} belongs to {@code publicKey} by signing and verifying a probe. */
    public static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        String algorithm = switch (privateKey.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "Ed25519" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null || !privateKey.getAlgorithm().equals(publicKey.getAlgorithm())
                && !(privateKey.getAlgorithm().startsWith("EC") && publicKey.getAlgorithm().startsWith("EC"))) {
            return false;
        }
        try {
            byte[] probe = "portcullis key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
