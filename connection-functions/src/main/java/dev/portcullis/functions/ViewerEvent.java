package dev.portcullis.functions;

import java.util.List;
import java.util.Objects;

/**
 * What a viewer function is handed (CloudFront's event, cloudfront-js-2.0): the request, and for a
 * viewer-response event the response. Header names are lower-case; the {@code cookie} and
 * {@code set-cookie} headers are among them and become {@code cookies} in the guest, as CloudFront
 * shows them.
 *
 * @param connectionId the viewer connection's id (CloudFront has it only in connection events; here a
 *                     request function can join its log lines to the connection log)
 * @param response     null for viewer-request
 */
public record ViewerEvent(EventType eventType, String distributionDomainName, String distributionId, String requestId,
                          String connectionId, String viewerIp, Request request, Response response) {

    /** The two events a CloudFront Function runs at. */
    public enum EventType {
        VIEWER_REQUEST("viewer-request"), VIEWER_RESPONSE("viewer-response");

        private final String text;

        EventType(String text) {
            this.text = text;
        }

        /** As the config and the event spell it. */
        public String text() {
            return text;
        }

        public static EventType of(String text) {
            for (EventType type : values()) {
                if (type.text.equals(text)) {
                    return type;
                }
            }
            return null;
        }
    }

    public ViewerEvent {
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(request, "request");
        if ((eventType == EventType.VIEWER_RESPONSE) != (response != null)) {
            throw new IllegalArgumentException("a viewer-response event, and only one, has a response");
        }
    }

    /** One header or trailer line. */
    public record Header(String name, String value) {
        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** @param querystring the raw query, without the '?' ("" if none) */
    public record Request(String method, String uri, String querystring, List<Header> headers) {
        public Request {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(querystring, "querystring");
            headers = List.copyOf(headers);
        }
    }

    public record Response(int statusCode, String statusDescription, List<Header> headers) {
        public Response {
            Objects.requireNonNull(statusDescription, "statusDescription");
            headers = List.copyOf(headers);
        }
    }
}
