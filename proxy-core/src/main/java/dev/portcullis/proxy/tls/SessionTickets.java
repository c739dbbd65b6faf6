package dev.portcullis.proxy.tls;

import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.time.Duration;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The node's session-ticket keys, for distributions with {@code viewerMtlsConfig.sessionResumption}. Made
 * here from {@link SecureRandom} and kept only in memory: a restart forgets them, and no other node has
 * them (a fleet shares nothing yet). The newest key encrypts new tickets for at most {@link #ROTATION};
 * the one before it still decrypts tickets issued under it, so a ticket resumes for at most two periods.
 * That rotation is the only bound: BoringSSL accepts a TLS 1.3 ticket for two days by its own clock (its
 * PSK-DHE timeout, the lifetime hint clients see; netty-tcnative does not expose it, and the session timeout
 * set below applies to TLS 1.2 only, which gets no tickets here). Each distribution gets
 * keys of its own, derived from the period's secret and its id (HMAC-SHA256), so a ticket one
 * distribution issued cannot resume on another (whose trust store and function may differ); every
 * generation's context of a distribution gets the same keys, so a reload keeps its tickets valid.
 *
 * <p>What a resumption skips is checked again before the connection serves (see TlsOutcomeHandler): the
 * chain the session holds against today's trust store, revocation and the connection function.
 */
public final class SessionTickets {
    /** How long one key encrypts new tickets; a ticket resumes for at most two of these. */
    public static final Duration ROTATION = Duration.ofHours(1);

    private final SecureRandom random = new SecureRandom();
    /** The contexts that serve tickets, with their distribution; weak, so a closed generation's go with it. */
    private final Map<OpenSslSessionContext, String> contexts = new WeakHashMap<>();
    /** This period's secret, then the previous one (until the next rotation). */
    private byte[][] secrets = {newSecret()};

    /** Gives {@code context} its distribution's keys and the ticket lifetime; keeps it for later rotations. */
    synchronized void install(SslContext context, String distributionId) {
        OpenSslSessionContext sessions = (OpenSslSessionContext) context.sessionContext();
        sessions.setSessionTimeout((int) ROTATION.toSeconds());
        sessions.setTicketKeys(keysFor(distributionId));
        contexts.put(sessions, distributionId);
    }

    /** A new key encrypts from now on; the previous one only decrypts; the one before that is gone. */
    public synchronized void rotate() {
        secrets = new byte[][] {newSecret(), secrets[0]};
        contexts.forEach((sessions, distributionId) -> sessions.setTicketKeys(keysFor(distributionId)));
    }

    private OpenSslSessionTicketKey[] keysFor(String distributionId) {
        OpenSslSessionTicketKey[] keys = new OpenSslSessionTicketKey[secrets.length];
        for (int i = 0; i < secrets.length; i++) {
            byte[] material = derive(secrets[i], distributionId);
            int name = OpenSslSessionTicketKey.NAME_SIZE;
            int hmac = OpenSslSessionTicketKey.HMAC_KEY_SIZE;
            keys[i] = new OpenSslSessionTicketKey(Arrays.copyOfRange(material, 0, name),
                    Arrays.copyOfRange(material, name, name + hmac),
                    Arrays.copyOfRange(material, name + hmac, name + hmac + OpenSslSessionTicketKey.AES_KEY_SIZE));
        }
        return keys;
    }

    /** 48 bytes (name, HMAC key, AES key) from the secret and the distribution's id. */
    private static byte[] derive(byte[] secret, String distributionId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            byte[] first = mac.doFinal(("portcullis ticket key 1 " + distributionId).getBytes(StandardCharsets.UTF_8));
            byte[] second = mac.doFinal(("portcullis ticket key 2 " + distributionId).getBytes(StandardCharsets.UTF_8));
            byte[] material = Arrays.copyOf(first, first.length + second.length);
            System.arraycopy(second, 0, material, first.length, second.length);
            return material;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private byte[] newSecret() {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        return secret;
    }
}
