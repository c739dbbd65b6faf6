package dev.portcullis.proxy.tls;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs Amazon Corretto Crypto Provider (AWS-LC) as the first JCA provider. BoringSSL checks the
 * client's CertificateVerify natively, but the chain's signatures are checked by the JDK's PKIX
 * validator through JCA: with SunEC one ECDSA P-256 verify costs ~320 µs, with ACCP ~35 µs (see
 * engineering.md). Falls back to the JDK's providers, with one warning, where ACCP cannot load;
 * {@code -Dportcullis.nativeCrypto=false} turns it off.
 */
public final class NativeCrypto {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis");
    private static volatile String provider;

    private NativeCrypto() {
    }

    /** Whether chain signatures are checked natively (ACCP installed and healthy). */
    public static boolean isNative() {
        return !install().equals("JDK");
    }

    /** Idempotent; returns the name of the provider chain signatures are checked with. */
    public static synchronized String install() {
        if (provider != null) {
            return provider;
        }
        if (!Boolean.parseBoolean(System.getProperty("portcullis.nativeCrypto", "true"))) {
            provider = "JDK";
            return provider;
        }
        try {
            AmazonCorrettoCryptoProvider.install();
            AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
            provider = "ACCP " + AmazonCorrettoCryptoProvider.INSTANCE.getVersionStr();
        } catch (Throwable e) {
            LOG.warn("native crypto provider unavailable, chain signatures use the JDK's: {}", e.toString());
            provider = "JDK";
        }
        return provider;
    }
}
