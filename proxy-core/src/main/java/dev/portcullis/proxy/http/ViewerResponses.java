package dev.portcullis.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Response heads for the viewer: the origin's, minus hop-by-hop headers, framed for the viewer's protocol; and our own short error responses. */
final class ViewerResponses {
    private ViewerResponses() {
    }

    static HttpResponse fromOrigin(HttpResponse origin, HttpMethod method, boolean http2Viewer, boolean keepAlive) {
        HttpHeaders in = origin.headers();
        HttpHeaders out = new DefaultHttpHeaders(false);
        List<String> declared = HopByHop.declaredBy(in);
        for (Map.Entry<String, String> header : in) {
            String name = header.getKey();
            if (HopByHop.is(name) || name.regionMatches(true, 0, "x-http2-", 0, 8) || declaredIgnoreCase(declared, name)) {
                continue;
            }
            out.add(name, header.getValue());
        }
        if (!http2Viewer) {
            if (!keepAlive) {
                out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            if (mayHaveBody(origin.status(), method) && !out.contains(HttpHeaderNames.CONTENT_LENGTH)) {
                if (origin instanceof FullHttpResponse full) {
                    out.setInt(HttpHeaderNames.CONTENT_LENGTH, full.content().readableBytes());
                } else {
                    out.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
            }
        }
        return new DefaultHttpResponse(HttpVersion.HTTP_1_1, origin.status(), out);
    }

    /** A short plain-text response of our own (400, 421, 502, 503, 504). */
    static FullHttpResponse error(ByteBufAllocator alloc, HttpResponseStatus status, String text, boolean keepAlive) {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuf content = alloc.buffer(body.length).writeBytes(body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /**
     * Why an origin's decoded head may not be relayed, or null: a status outside 100..599 (the codec
     * accepts any three digits) or a header name that is not an RFC 9110 token.
     */
    static String malformed(HttpResponse response) {
        int code = response.status().code();
        if (code < 100 || code > 599) {
            return "response with status " + code;
        }
        for (Map.Entry<String, String> header : response.headers()) {
            if (!isToken(header.getKey())) {
                return "response header with an invalid name";
            }
        }
        return null;
    }

    private static boolean isToken(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean mayHaveBody(HttpResponseStatus status, HttpMethod method) {
        int code = status.code();
        return !(method.equals(HttpMethod.HEAD) || code < 200 || code == 204 || code == 304);
    }

    private static boolean declaredIgnoreCase(List<String> declared, String name) {
        for (String d : declared) {
            if (d.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
