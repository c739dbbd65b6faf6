package dev.portcullis.proxy.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.functions.ViewerEvent;
import dev.portcullis.functions.ViewerOutcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code function test --event-type viewer-request|viewer-response --request event.json}: reads a
 * CloudFront event object (as CloudFront's TestFunction takes it: version, context, viewer, request
 * and, for viewer-response, response) and prints what the function returned in the same shapes.
 */
final class ViewerFunctionTestRun {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ViewerFunctionTestRun() {
    }

    /** @throws IllegalArgumentException naming the field that is missing or of the wrong type */
    static ViewerEvent read(Path file, ViewerEvent.EventType type, String distributionId) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object (the event: {request: {...}})");
        }
        JsonNode request = field(root, "request", file);
        JsonNode context = root.path("context");
        List<ViewerEvent.Header> headers = entries(request.path("headers"), file, "request.headers", true);
        List<String> cookies = new ArrayList<>();
        for (ViewerEvent.Header c : entries(request.path("cookies"), file, "request.cookies", false)) {
            cookies.add(c.name() + "=" + c.value());
        }
        if (!cookies.isEmpty()) {
            headers.add(new ViewerEvent.Header("cookie", String.join("; ", cookies)));
        }
        StringBuilder query = new StringBuilder();
        for (ViewerEvent.Header q : entries(request.path("querystring"), file, "request.querystring", false)) {
            query.append(query.isEmpty() ? "" : "&").append(q.name()).append(q.value().isEmpty() ? "" : "=" + q.value());
        }
        ViewerEvent.Request r = new ViewerEvent.Request(request.path("method").asText("GET"),
                request.path("uri").asText("/"), query.toString(), headers);
        ViewerEvent.Response response = null;
        if (type == ViewerEvent.EventType.VIEWER_RESPONSE) {
            JsonNode res = field(root, "response", file);
            List<ViewerEvent.Header> resHeaders = entries(res.path("headers"), file, "response.headers", true);
            Iterator<Map.Entry<String, JsonNode>> it = res.path("cookies").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> c = it.next();
                String attributes = c.getValue().path("attributes").asText("");
                resHeaders.add(new ViewerEvent.Header("set-cookie", c.getKey() + "=" + c.getValue().path("value").asText("")
                        + (attributes.isEmpty() ? "" : "; " + attributes)));
            }
            response = new ViewerEvent.Response(res.path("statusCode").asInt(200), res.path("statusDescription").asText(""),
                    resHeaders);
        }
        return new ViewerEvent(type, context.path("distributionDomainName").asText("d111111abcdef8.cloudfront.net"),
                context.path("distributionId").asText(distributionId), context.path("requestId").asText("test-request"),
                context.path("connectionId").asText("test-connection"), root.path("viewer").path("ip").asText("203.0.113.7"),
                r, response);
    }

    private static JsonNode field(JsonNode node, String name, Path file) {
        JsonNode value = node.get(name);
        if (value == null || !value.isObject()) {
            throw new IllegalArgumentException(file + ": " + name + " must be an object");
        }
        return value;
    }

    /** {name: {value, multiValue: [{value}]}} as (name, value) pairs, every value of multiValue when present. */
    private static List<ViewerEvent.Header> entries(JsonNode object, Path file, String what, boolean lowerCase) {
        List<ViewerEvent.Header> out = new ArrayList<>();
        if (object.isMissingNode() || object.isNull()) {
            return out;
        }
        if (!object.isObject()) {
            throw new IllegalArgumentException(file + ": " + what + " must be an object of {value}");
        }
        Iterator<Map.Entry<String, JsonNode>> it = object.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = lowerCase ? e.getKey().toLowerCase(java.util.Locale.ROOT) : e.getKey();
            JsonNode multi = e.getValue().get("multiValue");
            if (multi != null && multi.isArray()) {
                for (JsonNode v : multi) {
                    out.add(new ViewerEvent.Header(name, v.path("value").asText("")));
                }
            } else {
                JsonNode value = e.getValue().get("value");
                if (value == null || !value.isTextual()) {
                    throw new IllegalArgumentException(file + ": " + what + "." + e.getKey() + ".value must be a string");
                }
                out.add(new ViewerEvent.Header(name, value.asText()));
            }
        }
        return out;
    }

    /** The event's request in the shape of a returned one (the function returned it unchanged). */
    private static ViewerOutcome.Request asEvent(ViewerEvent.Request request) {
        List<ViewerEvent.Header> query = new java.util.ArrayList<>();
        for (String part : request.querystring().split("&")) {
            if (!part.isEmpty()) {
                int eq = part.indexOf('=');
                query.add(new ViewerEvent.Header(eq < 0 ? part : part.substring(0, eq), eq < 0 ? "" : part.substring(eq + 1)));
            }
        }
        List<ViewerEvent.Header> headers = new java.util.ArrayList<>();
        List<ViewerEvent.Header> cookies = new java.util.ArrayList<>();
        for (ViewerEvent.Header h : request.headers()) {
            if (!h.name().equals("cookie")) {
                headers.add(h);
                continue;
            }
            for (String part : h.value().split(";")) {
                String c = part.strip();
                if (!c.isEmpty()) {
                    int eq = c.indexOf('=');
                    cookies.add(new ViewerEvent.Header(eq < 0 ? c : c.substring(0, eq), eq < 0 ? "" : c.substring(eq + 1)));
                }
            }
        }
        return new ViewerOutcome.Request(request.uri(), query, headers, cookies);
    }

    /** The result in CloudFront's shapes: {"request": ...} or {"response": ...}. */
    static String print(ViewerOutcome outcome, ViewerEvent event) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        if (outcome.kind() == ViewerOutcome.Kind.FORWARD) {
            ViewerOutcome.Request returned = outcome.unchanged() ? asEvent(event.request()) : outcome.request();
            ObjectNode r = root.putObject("request");
            r.put("uri", returned.uri());
            r.set("querystring", object(returned.querystring()));
            r.set("headers", object(returned.headers()));
            r.set("cookies", object(returned.cookies()));
        } else if (outcome.kind() == ViewerOutcome.Kind.RESPOND) {
            ViewerOutcome.Response res = outcome.response();
            ObjectNode r = root.putObject("response");
            r.put("statusCode", res.statusCode());
            r.put("statusDescription", res.statusDescription());
            r.set("headers", object(res.headers()));
            ObjectNode cookies = r.putObject("cookies");
            for (ViewerOutcome.SetCookie c : res.cookies()) {
                cookies.putObject(c.name()).put("value", c.value()).put("attributes", c.attributes());
            }
            if (res.body() != null) {
                r.putObject("body").put("encoding", "base64").put("data", Base64.getEncoder().encodeToString(res.body()));
                r.put("bodyText", new String(res.body(), StandardCharsets.UTF_8));
            }
        }
        if (!outcome.certificateHeaders().isEmpty()) {
            ArrayNode changes = root.putArray("certificateHeaderChanges");
            for (ViewerOutcome.CertificateHeaderChange c : outcome.certificateHeaders()) {
                changes.addObject().put("source", c.source()).put("target", c.target()).put("reformatted", c.format() != null);
            }
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    private static ObjectNode object(List<ViewerEvent.Header> pairs) {
        ObjectNode out = JSON.createObjectNode();
        for (ViewerEvent.Header p : pairs) {
            JsonNode existing = out.get(p.name());
            if (existing == null) {
                out.putObject(p.name()).put("value", p.value());
            } else {
                ObjectNode entry = (ObjectNode) existing;
                ArrayNode multi = entry.has("multiValue") ? (ArrayNode) entry.get("multiValue")
                        : entry.putArray("multiValue").add(JSON.createObjectNode().put("value", entry.get("value").asText()));
                multi.addObject().put("value", p.value());
            }
        }
        return out;
    }
}
