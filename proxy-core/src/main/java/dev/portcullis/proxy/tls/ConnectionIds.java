package dev.portcullis.proxy.tls;

import io.netty.util.concurrent.FastThreadLocal;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Connection identifiers: 15 random bytes from a SecureRandom, base64url (20 characters, no padding).
 * Unguessable, URL-safe, and the same string in every log and in the connection function.
 */
public final class ConnectionIds {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final FastThreadLocal<SecureRandom> RANDOM = new FastThreadLocal<>() {
        @Override
        protected SecureRandom initialValue() {
            return new SecureRandom();
        }
    };

    private ConnectionIds() {
    }

    /**
     * A request id (x-edge-request-id): unique enough to find a request in the logs, but not a
     * secret, so it comes from ThreadLocalRandom and costs no SecureRandom call per request.
     */
    public static String nextRequestId() {
        byte[] bytes = new byte[15];
        java.util.concurrent.ThreadLocalRandom.current().nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }

    public static String next() {
        byte[] bytes = new byte[15];
        RANDOM.get().nextBytes(bytes);
        return ENCODER.encodeToString(bytes);
    }
}
