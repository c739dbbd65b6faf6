package dev.portcullis.proxy.http;

import dev.portcullis.config.RequestTarget;
import dev.portcullis.functions.ViewerEvent;
import dev.portcullis.functions.ViewerOutcome;
import dev.portcullis.proxy.tls.ConnectionState;
import dev.portcullis.viewerheaders.ViewerCertHeaders;
import dev.portcullis.viewerheaders.ViewerHeader;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Between Netty's messages and a viewer function's event and result (CloudFront Functions): what the
 * function sees of a request or response, and what of its result may reach the origin or the viewer.
 *
 * <p>As CloudFront: headers a function may not see or set ({@code Connection}, {@code Expect},
 * {@code X-Forwarded-Proto}, ...) are left out of the event and carried over unchanged; read-only ones
 * ({@code Host}, {@code Content-Length}, {@code Transfer-Encoding}, {@code Via}, {@code CDN-Loop} on a
 * request; {@code Via}, {@code Warning} on a response, and here also the response's framing) may be read,
 * and a result that changes or adds either kind is invalid. The certificate headers are the node's: the
 * event shows them without the PEM (as CloudFront), a function renames or re-encodes them only through
 * {@code cf.mtls}, and whatever it writes under their names itself is dropped, so it can never forge one.
 *
 * <p>Over 250 lines: the translation both ways between Netty's messages and CloudFront's
 * event shapes, with the checks of what a function returned (field syntax, read-only and hidden
 * headers, status, URI); both directions share those field checks.
 */
final class ViewerFunctionEvents {
    private static final List<String> READ_ONLY_REQUEST = List.of("host", "content-length", "transfer-encoding", "via",
            "cdn-loop");
    private static final List<String> READ_ONLY_RESPONSE = List.of("via", "warning", "content-length", "transfer-encoding");
    private static final java.util.Set<String> DISALLOWED = java.util.Set.of("connection", "expect", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "trailer", "upgrade", "x-accel-buffering", "x-accel-charset",
            "x-accel-limit-rate", "x-accel-redirect", "x-amzn-auth", "x-amzn-cf-billing", "x-amzn-cf-id", "x-amzn-cf-xff",
            "x-amzn-errortype", "x-amzn-fle-profile", "x-amzn-header-count", "x-amzn-header-order",
            "x-amzn-lambda-integration-tag", "x-amzn-requestid", "x-cache", "x-forwarded-proto", "x-real-ip", "te",
            "http2-settings");
    /** The longest URI with its query a function may return, as CloudFront. */
    private static final int MAX_URI = 8192;

    private ViewerFunctionEvents() {
    }

    static boolean disallowed(String lowerName) {
        return DISALLOWED.contains(lowerName) || lowerName.startsWith("x-amz-cf-") || lowerName.startsWith("x-edge-");
    }

    /** Certificate headers a function is never shown: the leaf's PEM and the RFC 9440 ones (raw certificates). */
    private static boolean hidden(String name) {
        return name.equalsIgnoreCase(ViewerCertHeaders.PEM) || name.equalsIgnoreCase(ViewerCertHeaders.CLIENT_CERT)
                || name.equalsIgnoreCase(ViewerCertHeaders.CLIENT_CERT_CHAIN);
    }

    /** The event's request: what the origin would get from the viewer, plus the connection's certificate headers. */
    static ViewerEvent.Request request(HttpRequest request, ConnectionState state, ViewerFieldFilter filter) {
        HttpHeaders in = request.headers();
        List<String> declaredHopByHop = HopByHop.declaredBy(in);
        List<ViewerEvent.Header> headers = new ArrayList<>(in.size() + 6);
        for (Map.Entry<String, String> header : in) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!disallowed(name) && filter.forwardsHeader(name, declaredHopByHop)) {
                headers.add(new ViewerEvent.Header(name, header.getValue()));
            }
        }
        for (ViewerHeader header : state.certificateHeaders()) {
            if (!hidden(header.name())) {
                headers.add(new ViewerEvent.Header(header.name().toLowerCase(Locale.ROOT), header.value()));
            }
        }
        String uri = request.uri();
        return new ViewerEvent.Request(request.method().name(), RequestTarget.path(uri), RequestTarget.query(uri) == null
                ? "" : RequestTarget.query(uri), headers);
    }

    static ViewerEvent event(ViewerEvent.EventType type, ConnectionState state, String requestId, ViewerEvent.Request request,
                             ViewerEvent.Response response) {
        String host = state.sni() != null ? state.sni() : state.distribution().config().domainNames().stream().findFirst()
                .orElse("");
        return new ViewerEvent(type, host, state.distribution().id(), requestId, state.connectionId(), state.clientIp(),
                request, response);
    }

    /** The event's response: the head the viewer would get (minus what a function may not see). */
    static ViewerEvent.Response response(HttpResponse head) {
        List<ViewerEvent.Header> headers = new ArrayList<>(head.headers().size());
        for (Map.Entry<String, String> header : head.headers()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (!disallowed(name)) {
                headers.add(new ViewerEvent.Header(name, header.getValue()));
            }
        }
        return new ViewerEvent.Response(head.status().code(), head.status().reasonPhrase(), headers);
    }

    /** The request a function returned, as the origin request's input; or why it may not go on. */
    record ForwardedRequest(String uri, HttpHeaders headers, String invalid) {
    }

    static ForwardedRequest forwarded(HttpRequest original, ViewerEvent.Request seen, ViewerOutcome.Request returned) {
        String query = returned.encodedQuery().equals(seenQuery(seen)) ? seen.querystring() : returned.encodedQuery();
        String uri = query.isEmpty() ? returned.uri() : returned.uri() + "?" + query;
        String badUri = badTarget(uri);
        if (badUri != null) {
            return new ForwardedRequest(null, null, "invalid return: request.uri/querystring " + badUri);
        }
        HttpHeaders out = new DefaultHttpHeaders(false);
        for (ViewerEvent.Header header : returned.headers()) {
            String name = header.name();
            if (ViewerCertHeaders.isReserved(name)) {
                continue; // the node's own, added again (as cf.mtls says) when the origin request is built
            }
            String bad = badField(name, header.value());
            if (bad != null) {
                return new ForwardedRequest(null, null, "invalid return: request.headers." + name + " " + bad);
            }
            if (disallowed(name)) {
                return new ForwardedRequest(null, null, "invalid return: request.headers." + name
                        + " may not be set by a function");
            }
            out.add(name, header.value());
        }
        for (String name : READ_ONLY_REQUEST) {
            if (!Objects.equals(values(seen.headers(), name), out.getAll(name))) {
                return new ForwardedRequest(null, null, "invalid return: request.headers." + name + " is read-only");
            }
        }
        if (!returned.cookies().isEmpty()) {
            StringBuilder cookie = new StringBuilder();
            for (ViewerEvent.Header c : returned.cookies()) {
                String bad = badField(c.name(), c.value());
                if (bad != null || c.name().indexOf(';') >= 0 || c.name().indexOf('=') >= 0 || c.value().indexOf(';') >= 0) {
                    return new ForwardedRequest(null, null, "invalid return: request.cookies." + c.name()
                            + " is not a valid cookie");
                }
                cookie.append(cookie.isEmpty() ? "" : "; ").append(c.name()).append('=').append(c.value());
            }
            out.add(HttpHeaderNames.COOKIE, cookie.toString());
        }
        // What the function was never shown goes on as the viewer sent it.
        for (Map.Entry<String, String> header : original.headers()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (disallowed(name)) {
                out.add(name, header.getValue());
            }
        }
        return new ForwardedRequest(uri, out, null);
    }

    private static String seenQuery(ViewerEvent.Request seen) {
        // the query as the event parsed it, serialised back: equal means the function left it alone
        StringBuilder out = new StringBuilder();
        for (String part : seen.querystring().split("&", -1)) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String value = eq < 0 ? "" : part.substring(eq + 1);
            out.append(out.isEmpty() ? "" : "&").append(eq < 0 ? part : part.substring(0, eq));
            if (!value.isEmpty()) {
                out.append('=').append(value);
            }
        }
        return out.toString();
    }

    private static List<String> values(List<ViewerEvent.Header> headers, String name) {
        List<String> values = new ArrayList<>(1);
        for (ViewerEvent.Header h : headers) {
            if (h.name().equals(name)) {
                values.add(h.value());
            }
        }
        return values;
    }

    /** Applies a viewer-response function's result to the held head, or says why it may not go out. */
    static String applyResponse(ViewerEvent.Response seen, ViewerOutcome.Response returned, HttpResponse head) {
        HttpHeaders out = new DefaultHttpHeaders(false);
        for (ViewerEvent.Header header : returned.headers()) {
            String bad = badField(header.name(), header.value());
            if (bad != null) {
                return "invalid return: response.headers." + header.name() + " " + bad;
            }
            if (disallowed(header.name())) {
                return "invalid return: response.headers." + header.name() + " may not be set by a function";
            }
            out.add(header.name(), header.value());
        }
        for (String name : READ_ONLY_RESPONSE) {
            if (!Objects.equals(values(seen.headers(), name), out.getAll(name))) {
                return "invalid return: response.headers." + name + " is read-only";
            }
        }
        String cookies = setCookies(returned, out);
        if (cookies != null) {
            return cookies;
        }
        String connection = head.headers().get(HttpHeaderNames.CONNECTION);
        if (connection != null) {
            out.set(HttpHeaderNames.CONNECTION, connection);
        }
        head.headers().set(out);
        head.setStatus(status(returned));
        return null;
    }

    private static String setCookies(ViewerOutcome.Response returned, HttpHeaders out) {
        for (ViewerOutcome.SetCookie c : returned.cookies()) {
            String value = c.header();
            if (badField(c.name(), value) != null || c.name().indexOf('=') >= 0 || c.name().indexOf(';') >= 0) {
                return "invalid return: response.cookies." + c.name() + " is not a valid cookie";
            }
            out.add(HttpHeaderNames.SET_COOKIE, value);
        }
        return null;
    }

    /** A response a viewer-request function generated, framed for the viewer; null with {@code problem[0]} set when invalid. */
    static FullHttpResponse generated(ViewerOutcome.Response returned, HttpMethod method, boolean keepAlive,
                                      ByteBufAllocator alloc, String[] problem) {
        HttpHeaders out = new DefaultHttpHeaders(false);
        for (ViewerEvent.Header header : returned.headers()) {
            String bad = badField(header.name(), header.value());
            if (bad != null) {
                problem[0] = "invalid return: response.headers." + header.name() + " " + bad;
                return null;
            }
            if (disallowed(header.name())) {
                problem[0] = "invalid return: response.headers." + header.name() + " may not be set by a function";
                return null;
            }
            if (header.name().equals("content-length") || header.name().equals("transfer-encoding")) {
                continue; // the node frames the body it sends
            }
            out.add(header.name(), header.value());
        }
        String cookies = setCookies(returned, out);
        if (cookies != null) {
            problem[0] = cookies;
            return null;
        }
        byte[] body = returned.body() == null || method.equals(HttpMethod.HEAD) ? new byte[0] : returned.body();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status(returned),
                alloc.buffer(body.length).writeBytes(body), out, new DefaultHttpHeaders(false));
        out.setInt(HttpHeaderNames.CONTENT_LENGTH, returned.body() == null ? 0 : returned.body().length);
        if (!keepAlive) {
            out.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    private static HttpResponseStatus status(ViewerOutcome.Response returned) {
        String description = returned.statusDescription();
        if (description.isEmpty() || badField("x", description) != null) {
            return HttpResponseStatus.valueOf(returned.statusCode());
        }
        return new HttpResponseStatus(returned.statusCode(), description);
    }

    /** Why a name/value may not be a header field, or null: a name that is not a token, a value with CR, LF or NUL. */
    private static String badField(String name, String value) {
        if (name.isEmpty()) {
            return "has an empty name";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!ok) {
                return "is not a valid header name";
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0 || c > 0xff) {
                return "has a value with CR, LF, NUL or a character outside ISO-8859-1";
            }
        }
        return null;
    }

    private static String badTarget(String uri) {
        if (uri.length() >= MAX_URI) {
            return "is " + uri.length() + " characters, at most " + (MAX_URI - 1) + " are allowed";
        }
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= ' ' || c == '#' || c >= 0x7f) {
                return "has a space, control character, '#' or non-ASCII character (percent-encode it)";
            }
        }
        return null;
    }
}
