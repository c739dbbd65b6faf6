package dev.portcullis.proxy.tls;

import dev.portcullis.truststore.FailureCode;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * Classifies a failed handshake when the trust manager did not already record a precise reason
 * (it does for every certificate it refused). One code per failure, no stack traces.
 */
final class HandshakeFailures {
    private HandshakeFailures() {
    }

    static FailureCode classify(Throwable cause) {
        if (cause instanceof SslHandshakeTimeoutException) {
            return FailureCode.TcpTimeout;
        }
        String message = describe(cause).toUpperCase(Locale.ROOT);
        if (message.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") || message.contains("CERTIFICATE_REQUIRED")) {
            return FailureCode.ClientCertMissing;
        }
        if (message.contains("EXCESSIVE_MESSAGE_SIZE") || message.contains("CERTIFICATE_LIST_TOO_LONG")
                || message.contains("EXCESSIVE")) {
            return FailureCode.ClientCertMaxSizeExceeded;
        }
        if (cause instanceof ClosedChannelException || rootCause(cause) instanceof IOException
                && !(rootCause(cause) instanceof javax.net.ssl.SSLException)) {
            return FailureCode.TcpError;
        }
        return FailureCode.UnmappedConnectionError;
    }

    /** One line: the innermost message, which for BoringSSL names the error (e.g. error:...:PEER_DID_NOT_RETURN_A_CERTIFICATE). */
    static String describe(Throwable cause) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                if (!out.isEmpty()) {
                    out.append(" / ");
                }
                out.append(t.getMessage());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return out.isEmpty() ? cause.getClass().getSimpleName() : out.toString().replace('\n', ' ');
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
