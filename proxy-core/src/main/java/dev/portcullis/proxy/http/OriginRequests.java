package dev.portcullis.proxy.http;

import dev.portcullis.config.Distribution;
import dev.portcullis.config.Origin;
import dev.portcullis.proxy.tls.ConnectionState;
import dev.portcullis.viewerheaders.ViewerHeader;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Map;

/**
 * The request head an origin receives: the viewer's headers minus everything a client must not be
 * able to send ({@link ViewerFieldFilter}), then the connection's certificate headers as the origin
 * request policy allows, X-Forwarded-For/-Proto and, if configured, the connectionId.
 * Untrusted headers are stripped before trusted ones are added (zuul's order).
 */
final class OriginRequests {
    private static final String X_FORWARDED_FOR = "x-forwarded-for";
    private static final String X_FORWARDED_PROTO = "x-forwarded-proto";

    private OriginRequests() {
    }

    static HttpRequest build(HttpRequest viewer, boolean http2Viewer, ConnectionState state, Distribution distribution,
                             Origin origin, ViewerFieldFilter filter) {
        return build(viewer, viewer.uri(), viewer.headers(), state.originCertificateHeaders(), http2Viewer, state,
                distribution, origin, filter);
    }

    /**
     * As above, for a request a viewer function changed: its target and headers ({@code in}), and the
     * certificate headers as its cf.mtls calls left them; {@code viewer} still frames the body.
     */
    static HttpRequest build(HttpRequest viewer, String uri, HttpHeaders in, List<ViewerHeader> certificateHeaders,
                             boolean http2Viewer, ConnectionState state, Distribution distribution, Origin origin,
                             ViewerFieldFilter filter) {
        HttpHeaders out = new DefaultHttpHeaders(false);
        List<String> declaredHopByHop = HopByHop.declaredBy(in);
        String connectionIdHeader = distribution.connectionIdHeader().orElse(null);
        String forwardedFor = null;
        for (Map.Entry<String, String> header : in) {
            String name = header.getKey();
            if (name.equalsIgnoreCase(X_FORWARDED_FOR)) {
                forwardedFor = forwardedFor == null ? header.getValue() : forwardedFor + ", " + header.getValue();
            } else if (filter.forwardsHeader(name, declaredHopByHop)) {
                out.add(name, header.getValue());
            }
        }
        for (ViewerHeader header : certificateHeaders) {
            out.add(header.name(), header.value());
        }
        String clientIp = state.clientIp();
        out.set(X_FORWARDED_FOR, forwardedFor == null ? clientIp : forwardedFor + ", " + clientIp);
        out.set(X_FORWARDED_PROTO, "https");
        if (connectionIdHeader != null) {
            out.set(connectionIdHeader, state.connectionId());
        }
        if (!out.contains(HttpHeaderNames.HOST)) {
            // HTTP/1.0 may omit Host: the name the client asked for in its TLS handshake stands in.
            out.set(HttpHeaderNames.HOST, state.sni() != null ? state.sni() : origin.host());
        }
        frameBody(viewer, http2Viewer, out);
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, viewer.method(), uri, out);
    }

    /**
     * Keeps a Content-Length; a complete request (an HTTP/2 request that ended with its headers, or
     * one the codec aggregated) gets its exact length; any other body streams chunked.
     */
    private static void frameBody(HttpRequest viewer, boolean http2Viewer, HttpHeaders out) {
        if (out.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            return;
        }
        if (viewer instanceof FullHttpRequest full) {
            int length = full.content().readableBytes();
            if (length > 0 || permitsBody(viewer)) {
                out.set(HttpHeaderNames.CONTENT_LENGTH, length);
            }
            return;
        }
        if (http2Viewer || viewer.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            out.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    private static boolean permitsBody(HttpRequest request) {
        String method = request.method().name();
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }
}
