package dev.portcullis.microbench;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.GeneralSecurityException;
import java.security.Security;
import java.security.Signature;

/**
 * Which JCA providers a benchmark runs on. ACCP installs itself JVM-wide as the most preferred
 * provider and cannot be taken out cleanly, so each value needs a JVM of its own: JMH forks one per
 * parameter value, and {@link #use} refuses to run "jdk" in a JVM where ACCP is already installed
 * (which only happens with {@code -f 0}).
 */
final class CryptoProviders {
    static final String JDK = "jdk";
    static final String ACCP = "accp";

    private CryptoProviders() {
    }

    static void use(String providers) {
        switch (providers) {
            case JDK -> {
                if (Security.getProvider(AmazonCorrettoCryptoProvider.PROVIDER_NAME) != null) {
                    throw new IllegalStateException("ACCP is installed in this JVM; run the provider params in separate forks (-f 1 or more)");
                }
            }
            case ACCP -> {
                AmazonCorrettoCryptoProvider.install();
                AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
            }
            default -> throw new IllegalArgumentException("providers must be jdk or accp: " + providers);
        }
        String expected = providers.equals(ACCP) ? AmazonCorrettoCryptoProvider.PROVIDER_NAME : "SunEC";
        String actual = ecdsaProvider();
        if (!actual.equals(expected)) {
            throw new IllegalStateException("SHA256withECDSA comes from " + actual + ", expected " + expected);
        }
    }

    static String ecdsaProvider() {
        try {
            return Signature.getInstance("SHA256withECDSA").getProvider().getName();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
