package dev.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.HttpConversionUtil;

/**
 * What a request head must be before anything of it goes to an origin, apart from its Host
 * ({@link RequestAuthority}): decodable, HTTP/1.0 or 1.1 on an HTTP/1.1 connection, an https
 * :scheme over HTTP/2, an origin-form target, no transfer coding but chunked (which the node
 * re-frames; any other it would silently drop), and not TRACE, which echoes a request's headers
 * back (cross-site tracing) and which CloudFront does not allow either.
 */
final class RequestChecks {
    /** Why a request is refused, as the status and short text of the node's own response. */
    record Refusal(HttpResponseStatus status, String text) {
    }

    private RequestChecks() {
    }

    /** Null when the head may go on. */
    static Refusal check(HttpRequest request, boolean http2) {
        if (request.decoderResult().isFailure()) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "bad request");
        }
        if (!http2 && !request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                && !request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            return new Refusal(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP version not supported");
        }
        if (http2) {
            String scheme = request.headers().get(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text());
            if (scheme != null && !scheme.equals("https")) {
                return new Refusal(HttpResponseStatus.BAD_REQUEST, "bad request: :scheme must be https");
            }
        }
        String method = request.method().name();
        // any case: an origin that folds method names would take "trace" for TRACE
        if (method.equalsIgnoreCase("TRACE") || method.equalsIgnoreCase("TRACK")) {
            return new Refusal(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
        }
        if (!request.uri().startsWith("/")) {
            return new Refusal(HttpResponseStatus.BAD_REQUEST, "bad request target");
        }
        for (String value : request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING)) {
            for (String coding : value.split(",")) {
                if (!coding.trim().equalsIgnoreCase("chunked")) {
                    return new Refusal(HttpResponseStatus.NOT_IMPLEMENTED, "transfer coding not implemented");
                }
            }
        }
        return null;
    }
}
