package dev.portcullis.proxy.http;

import dev.portcullis.viewerheaders.ViewerCertHeaders;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Map;

/**
 * Which of a viewer's header and trailer fields may reach an origin. A client must not be able to
 * send what the node vouches for (certificate headers of every spelling, the forwarding and
 * client-address headers, the CloudFront-* namespace, the connectionId header) nor what describes
 * one connection (hop-by-hop). The same rule applies
 * to trailers, which an origin may merge into its headers, and to names written with '_' for '-',
 * which CGI, WSGI and PHP origins read as the same variable ({@code HTTP_CLIENT_CERT}).
 */
final class ViewerFieldFilter {
    private static final List<String> CLIENT_ADDRESS = List.of("forwarded", "x-real-ip", "true-client-ip", "x-amz-cf-id",
            "x-client-ip", "x-cluster-client-ip", "x-original-forwarded-for", "cf-connecting-ip", "fastly-client-ip");
    /** Framing and routing fields never belong in a trailer (RFC 9110 section 6.5.1). */
    private static final List<String> NOT_IN_TRAILERS = List.of("content-length", "host", "content-type",
            "content-encoding", "authorization", "cookie", "x-forwarded-for");

    private final String connectionIdHeader;
    private final boolean allowUnderscores;

    /** @param connectionIdHeader the distribution's connectionId header, or null */
    ViewerFieldFilter(String connectionIdHeader, boolean allowUnderscores) {
        this.connectionIdHeader = connectionIdHeader;
        this.allowUnderscores = allowUnderscores;
    }

    /**
     * Whether a request header named {@code name} may be forwarded as it is. X-Forwarded-For is
     * not: the caller appends the client's address to it.
     */
    boolean forwardsHeader(String name, List<String> declaredHopByHop) {
        if (protectedName(name) || !declaredHopByHop.isEmpty() && containsIgnoreCase(declaredHopByHop, name)) {
            return false;
        }
        if (name.indexOf('_') >= 0) {
            return allowUnderscores && !protectedName(name.replace('_', '-'));
        }
        return true;
    }

    /** The trailers an origin may get: what a header may carry, minus framing and routing fields. */
    HttpHeaders trailers(HttpHeaders in) {
        HttpHeaders out = new DefaultHttpHeaders(false);
        for (Map.Entry<String, String> field : in) {
            String name = field.getKey();
            if (forwardsHeader(name, List.of()) && !containsIgnoreCase(NOT_IN_TRAILERS, name)) {
                out.add(name, field.getValue());
            }
        }
        return out;
    }

    /**
     * What only the node may say: certificate headers, every CloudFront-* and X-Forwarded-* header
     * (the node sets X-Forwarded-For and -Proto), the other client-address headers origins tend to
     * trust (Forwarded, X-Real-IP, True-Client-IP), CloudFront's request id, hop-by-hop headers,
     * Netty's x-http2-* markers and the connectionId header.
     */
    private boolean protectedName(String name) {
        return HopByHop.is(name) || ViewerCertHeaders.isReserved(name) || name.regionMatches(true, 0, "x-http2-", 0, 8)
                || name.regionMatches(true, 0, "cloudfront-", 0, 11) || name.regionMatches(true, 0, "x-forwarded-", 0, 12)
                || containsIgnoreCase(CLIENT_ADDRESS, name)
                || name.equalsIgnoreCase("expect") || name.equalsIgnoreCase(connectionIdHeader);
    }

    static boolean containsIgnoreCase(List<String> names, String name) {
        for (String n : names) {
            if (n.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
