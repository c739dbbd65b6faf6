package dev.portcullis.functions;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one viewer-function invocation came to: forward the (changed) request, answer with a
 * response, or a fault (it threw, returned nothing usable, or broke a limit; the node answers 503).
 *
 * @param request          the request to forward ({@link Kind#FORWARD}); null for an unchanged one
 *                         ({@link #unchanged()}: forward the viewer's request as it came) and for the other kinds
 * @param response         the response to send ({@link Kind#RESPOND}, or a viewer-response's), else null
 * @param certificateHeaders what {@code cf.mtls} asked for the certificate headers, in call order
 * @param error            one line: why it is a {@link Kind#FAULT}; "" otherwise
 */
public record ViewerOutcome(Kind kind, Request request, Response response, List<CertificateHeaderChange> certificateHeaders,
                            List<String> consoleLines, Duration elapsed, String error) {

    public enum Kind { FORWARD, RESPOND, FAULT }

    public ViewerOutcome {
        Objects.requireNonNull(kind, "kind");
        certificateHeaders = List.copyOf(certificateHeaders);
        consoleLines = List.copyOf(consoleLines);
        Objects.requireNonNull(elapsed, "elapsed");
        error = error == null ? "" : error;
    }

    /** A forward of the request exactly as the event showed it. */
    static ViewerOutcome unchanged(List<CertificateHeaderChange> changes, List<String> lines, Duration elapsed) {
        return new ViewerOutcome(Kind.FORWARD, null, null, changes, lines, elapsed, "");
    }

    /** The function forwarded the request without changing anything in it (cf.mtls changes may still apply). */
    public boolean unchanged() {
        return kind == Kind.FORWARD && request == null;
    }

    static ViewerOutcome fault(String error, List<String> lines, Duration elapsed) {
        return new ViewerOutcome(Kind.FAULT, null, null, List.of(), lines, elapsed, error);
    }

    /**
     * The request as the function returned it.
     *
     * @param querystring (name, value) pairs in order, values as the function wrote them (not re-encoded)
     * @param headers     lower-case names; a name with several values appears once per value
     * @param cookies     (name, value) pairs, for one {@code Cookie} header
     */
    public record Request(String uri, List<ViewerEvent.Header> querystring, List<ViewerEvent.Header> headers,
                          List<ViewerEvent.Header> cookies) {
        public Request {
            Objects.requireNonNull(uri, "uri");
            querystring = List.copyOf(querystring);
            headers = List.copyOf(headers);
            cookies = List.copyOf(cookies);
        }

        /** The query string as the origin gets it: name=value joined by '&' ("" when there is none). */
        public String encodedQuery() {
            StringBuilder out = new StringBuilder();
            for (ViewerEvent.Header pair : querystring) {
                if (!out.isEmpty()) {
                    out.append('&');
                }
                out.append(pair.name());
                if (!pair.value().isEmpty()) {
                    out.append('=').append(pair.value());
                }
            }
            return out.toString();
        }
    }

    /**
     * @param cookies one {@code Set-Cookie} each: name, value and attributes
     * @param body    the body a viewer-request function generated (decoded from base64 if so), or null
     */
    public record Response(int statusCode, String statusDescription, List<ViewerEvent.Header> headers,
                           List<SetCookie> cookies, byte[] body) {
        public Response {
            Objects.requireNonNull(statusDescription, "statusDescription");
            headers = List.copyOf(headers);
            cookies = List.copyOf(cookies);
        }
    }

    public record SetCookie(String name, String value, String attributes) {
        /** The header value: {@code name=value; attributes}. */
        public String header() {
            return attributes.isEmpty() ? name + "=" + value : name + "=" + value + "; " + attributes;
        }
    }

    /**
     * One {@code cf.mtls} directive for a certificate header the node adds to the origin request.
     *
     * @param source lower-case name of the header it changes, or {@link #COMBINED} for combinePemHeaders
     * @param target the name the origin gets it under
     * @param format how to re-encode the PEM, or null to keep the value as it is
     */
    public record CertificateHeaderChange(String source, String target, PemFormat format) {
        /** combinePemHeaders: Client-Cert and Client-Cert-Chain as one header. */
        public static final String COMBINED = "*combined";
    }

    /**
     * {@code pemCertFormatInfo}; a null field keeps the header's own: its delimiters, no end marker, and
     * newlines kept in CloudFront-Viewer-Cert-Pem but not in Client-Cert.
     */
    public record PemFormat(String certHeader, String certFooter, String certEndMarker, Boolean keepNewlinesInCertData) {
    }
}
