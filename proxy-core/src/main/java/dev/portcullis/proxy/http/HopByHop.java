package dev.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/** Hop-by-hop headers (RFC 9110 section 7.6.1): they describe one connection and are never forwarded. */
final class HopByHop {
    private static final AsciiString[] NAMES = {
            HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE, HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
            AsciiString.cached("http2-settings")};

    private HopByHop() {
    }

    /**
     * Case-insensitive, without allocating: called for every header of every request and response,
     * so the length (which most names fail on) is checked before any characters.
     */
    static boolean is(CharSequence name) {
        int length = name.length();
        for (AsciiString hopByHop : NAMES) {
            if (hopByHop.length() == length && hopByHop.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    /** Names a message's Connection header declares hop-by-hop (e.g. {@code Connection: close, X-Foo}). */
    static List<String> declaredBy(HttpHeaders headers) {
        List<String> names = new ArrayList<>(0);
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty()) {
                    names.add(name);
                }
            }
        }
        return names;
    }
}
