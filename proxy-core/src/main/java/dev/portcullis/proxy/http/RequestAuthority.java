package dev.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * The one authority a request is for, or why it has none we accept. RFC 9112 section 3.2: an
 * HTTP/1.1 request carries exactly one valid Host, otherwise 400; RFC 9113 section 8.3.1: over
 * HTTP/2, {@code :authority} and a {@code host} header, if both are present, must agree. Only the
 * accepted host is then checked against the connection's distribution (421), so a second Host, a
 * list or userinfo cannot smuggle a name past that check to an origin that reads it differently.
 */
final class RequestAuthority {
    private RequestAuthority() {
    }

    /** The host (no port, no brackets, lower case kept as sent) or null with {@code problem} set. */
    record Result(String host, String problem) {
        boolean valid() {
            return problem == null;
        }
    }

    static Result of(HttpRequest request, boolean http2) {
        List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
        if (hosts.isEmpty()) {
            // HTTP/2: Netty's conversion puts :authority into Host and resets a stream whose host
            // header disagrees with it, so here a missing Host means neither was sent.
            return !http2 && request.protocolVersion().equals(HttpVersion.HTTP_1_0) ? new Result(null, null)
                    : problem(http2 ? "no :authority and no host header" : "no Host header");
        }
        if (hosts.size() > 1) {
            return problem("more than one Host header");
        }
        return parse(hosts.get(0));
    }

    /** {@code reg-name [":" port]} or {@code "[" IPv6 "]" [":" port]}; reg-name limited to DNS characters. */
    static Result parse(String value) {
        int length = value.length();
        if (length == 0 || length > 255 + 7) {
            return problem("empty or overlong Host");
        }
        int hostEnd;
        String host;
        if (value.charAt(0) == '[') {
            int close = value.indexOf(']');
            if (close < 2 || !ipv6(value, 1, close)) {
                return problem("malformed IP literal in Host");
            }
            host = value.substring(1, close);
            hostEnd = close + 1;
        } else {
            int colon = value.indexOf(':');
            hostEnd = colon < 0 ? length : colon;
            if (hostEnd == 0 || !regName(value, 0, hostEnd)) {
                return problem("malformed Host");
            }
            host = value.substring(0, hostEnd);
        }
        if (hostEnd < length && !port(value, hostEnd, length)) {
            return problem("malformed port in Host");
        }
        return new Result(host, null);
    }

    private static boolean regName(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static boolean ipv6(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** {@code ":" 1*5DIGIT} up to 65535 (an empty port is allowed by RFC 3986 but sent by nobody honest). */
    private static boolean port(String s, int colon, int end) {
        if (s.charAt(colon) != ':' || end - colon < 2 || end - colon > 6) {
            return false;
        }
        int port = 0;
        for (int i = colon + 1; i < end; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    private static Result problem(String why) {
        return new Result(null, why);
    }
}
