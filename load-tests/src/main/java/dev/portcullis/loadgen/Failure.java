package dev.portcullis.loadgen;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * A classified failure: its kind and, for TLS, the alert or reason ({@code certificate_required},
 * {@code handshake_failure}, {@code certificate_verify_failed}...). Classifying instead of keeping the
 * exception keeps the summary countable and the run free of stack traces.
 */
record Failure(ErrorKind kind, String detail) {
    /** BoringSSL names a received alert like {@code SSLV3_ALERT_HANDSHAKE_FAILURE} or {@code TLSV13_ALERT_CERTIFICATE_REQUIRED}. */
    private static final Pattern ALERT = Pattern.compile("ALERT_([A-Z0-9_]+)");
    /** Otherwise the reason is the last upper-case token of {@code error:...:SSL routines:OPENSSL_internal:REASON}. */
    private static final Pattern REASON = Pattern.compile(":([A-Z0-9_]{4,})(?:\\s|$)");

    static final Failure TIMEOUT = new Failure(ErrorKind.TIMEOUT, "");
    static final Failure CLOSED = new Failure(ErrorKind.RESET, "closed");

    static Failure of(Throwable error, boolean handshakeConfirmed) {
        Throwable t = error;
        while (t instanceof DecoderException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ConnectTimeoutException || t instanceof SslHandshakeTimeoutException) {
            return new Failure(ErrorKind.TIMEOUT, t instanceof ConnectTimeoutException ? "connect" : "handshake");
        }
        if (t instanceof ConnectException) {
            String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            return message.contains("refused")
                    ? new Failure(ErrorKind.CONNECT_REFUSED, "")
                    : new Failure(ErrorKind.CONNECT_FAILED, String.valueOf(t.getMessage()));
        }
        if (t instanceof SSLException) {
            // In TLS 1.3 the server's verdict on the client certificate arrives after the client finished
            // its handshake, so an alert before the first response still means the handshake was refused.
            return new Failure(handshakeConfirmed ? ErrorKind.OTHER : ErrorKind.TLS_HANDSHAKE, tlsReason(t));
        }
        if (t instanceof Http2Exception) {
            return new Failure(ErrorKind.PROTOCOL, ((Http2Exception) t).error().name().toLowerCase(Locale.ROOT));
        }
        if (t instanceof ClosedChannelException || t instanceof IOException) {
            return new Failure(ErrorKind.RESET, String.valueOf(t.getMessage()));
        }
        return new Failure(ErrorKind.OTHER, t.getClass().getSimpleName());
    }

    /** The alert the peer sent if known, else BoringSSL's reason code, lower-case. */
    static String tlsReason(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (message == null) {
                continue;
            }
            Matcher alert = ALERT.matcher(message);
            if (alert.find()) {
                return alert.group(1).toLowerCase(Locale.ROOT);
            }
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException) {
                return "local:server_certificate_rejected"; // our trust manager or hostname check said no
            }
            Matcher reason = t.getMessage() == null ? null : REASON.matcher(t.getMessage());
            if (reason != null && reason.find()) {
                return reason.group(1).toLowerCase(Locale.ROOT);
            }
        }
        return "unknown";
    }
}
