package dev.portcullis.proxy.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.functions.KeyValueStore;
import dev.portcullis.functions.KeyValueStoreException;
import dev.portcullis.kvs.KeyChanges;
import dev.portcullis.kvs.KeyValueStoreBackend;
import dev.portcullis.kvs.KeyValueStoreError;
import dev.portcullis.kvs.LiveKeyValueStores;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * CloudFront's KeyValueStore data API on the admin listener, with store names for ARNs:
 * DescribeKeyValueStore ({@code GET /key-value-stores/{name}}), ListKeys ({@code GET .../keys}),
 * GetKey, PutKey, DeleteKey ({@code GET|PUT|DELETE .../keys/{key}}), UpdateKeys ({@code POST .../keys})
 * and, for {@code portcullis kvs import}, {@code PUT .../data} with a file in the import format.
 * Every write needs {@code If-Match} with the store's ETag; errors are {@code {"Message": "..."}}.
 *
 * <p>Over 250 lines: the routes of the KeyValueStore API and the strict parsing of their
 * bodies (every member checked, every error naming it) are read together: a route and the
 * validation of what it accepts belong side by side.
 */
final class KeyValueStoreApi {
    static final String PREFIX = "/key-value-stores/";
    /** Strict: a duplicate member or anything after the object is refused, never read as "last one wins". */
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** A response the admin handler writes: status, JSON body, and the ETag header if any. */
    record Answer(int status, Object body, String etag) {
        static Answer error(int status, String message) {
            return new Answer(status, Map.of("Message", message), null);
        }
    }

    private final LiveKeyValueStores stores;

    KeyValueStoreApi(LiveKeyValueStores stores) {
        this.stores = stores;
    }

    CompletableFuture<Answer> handle(FullHttpRequest request) {
        try {
            return route(request);
        } catch (KeyValueStoreError e) {
            return done(Answer.error(e.kind().status(), e.getMessage()));
        } catch (IllegalArgumentException e) {
            // a malformed percent-escape in the path or the query
            return done(Answer.error(400, "bad request: " + e.getMessage()));
        }
    }

    /** A path segment decoded as a path: {@code +} is a plus sign there, not a space as in a query. */
    private static String segment(String raw) {
        String decoded = QueryStringDecoder.decodeComponent(raw.replace("+", "%2B"));
        if (decoded.indexOf('\uFFFD') >= 0 && !raw.toUpperCase(java.util.Locale.ROOT).contains("%EF%BF%BD")
                && raw.indexOf('\uFFFD') < 0) {
            // invalid UTF-8 in the escapes: %FF and %FE must not become the same key
            throw new IllegalArgumentException("the path holds percent-escapes that are not valid UTF-8");
        }
        return decoded;
    }

    private CompletableFuture<Answer> route(FullHttpRequest request) throws KeyValueStoreError {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri(), StandardCharsets.UTF_8);
        String rawPath = uri.rawPath();
        String rest = rawPath.substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String name = segment(slash < 0 ? rest : rest.substring(0, slash));
        String tail = slash < 0 ? "" : rest.substring(slash);
        HttpMethod method = request.method();
        String ifMatch = request.headers().get(HttpHeaderNames.IF_MATCH);
        {
            if (tail.isEmpty()) {
                return method.equals(HttpMethod.GET) ? done(describe(name)) : notAllowed(method, "GET");
            }
            if (tail.equals("/keys")) {
                if (method.equals(HttpMethod.GET)) {
                    return list(name, uri.parameters());
                }
                if (method.equals(HttpMethod.POST)) {
                    return write(name, ifMatch, updateKeys(body(request)));
                }
                return notAllowed(method, "GET, POST");
            }
            if (tail.startsWith("/keys/") && tail.length() > "/keys/".length()) {
                String key = segment(tail.substring("/keys/".length()));
                if (method.equals(HttpMethod.GET)) {
                    return done(getKey(name, key));
                }
                if (method.equals(HttpMethod.PUT)) {
                    JsonNode body = body(request);
                    only(body, "the body", "Value");
                    return write(name, ifMatch, KeyChanges.put(key, text(body, "Value")));
                }
                if (method.equals(HttpMethod.DELETE)) {
                    return write(name, ifMatch, KeyChanges.delete(key));
                }
                return notAllowed(method, "GET, PUT, DELETE");
            }
            if (tail.equals("/data")) {
                return method.equals(HttpMethod.PUT) ? importData(name, ifMatch, request) : notAllowed(method, "PUT");
            }
            return done(Answer.error(404, "no such KeyValueStore resource: " + rawPath));
        }
    }

    private Answer describe(String name) throws KeyValueStoreError {
        LiveKeyValueStores.Live live = live(name);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Name", name);
        body.put("ItemCount", live.snapshot().size());
        body.put("TotalSizeInBytes", live.snapshot().totalBytes());
        body.put("Created", live.version().created().toString());
        body.put("LastModified", live.version().lastModified().toString());
        body.put("Status", "READY");
        return new Answer(200, body, live.etag());
    }

    private Answer getKey(String name, String key) throws KeyValueStoreError {
        LiveKeyValueStores.Live live = live(name);
        String value = live.snapshot().get(key).orElse(null);
        if (value == null) {
            return Answer.error(404, "no key \"" + KeyValueStore.shorten(key) + "\" in KeyValueStore " + name);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Key", key);
        body.put("Value", value);
        body.put("ItemCount", live.snapshot().size());
        body.put("TotalSizeInBytes", live.snapshot().totalBytes());
        return new Answer(200, body, live.etag());
    }

    private CompletableFuture<Answer> list(String name, Map<String, List<String>> query) throws KeyValueStoreError {
        int max = 10;
        List<String> maxResults = query.get("MaxResults");
        if (maxResults != null) {
            try {
                max = Integer.parseInt(maxResults.get(0));
            } catch (NumberFormatException e) {
                max = -1;
            }
            if (max < 1 || max > 50) {
                throw invalid("MaxResults must be a number from 1 to 50, got " + maxResults.get(0));
            }
        }
        String after = null;
        List<String> token = query.get("NextToken");
        if (token != null && !token.get(0).isEmpty()) {
            try {
                after = new String(Base64.getUrlDecoder().decode(token.get(0)), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw invalid("NextToken is not a token this API returned");
            }
        }
        return stores.list(name, after, max).handle((page, error) -> {
            if (error != null) {
                return failure(error);
            }
            List<Map<String, String>> items = new ArrayList<>();
            for (Map.Entry<String, String> e : page.items()) {
                Map<String, String> item = new LinkedHashMap<>();
                item.put("Key", e.getKey());
                item.put("Value", e.getValue());
                items.add(item);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("Items", items);
            if (page.nextToken() != null) {
                body.put("NextToken", Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(page.nextToken().getBytes(StandardCharsets.UTF_8)));
            }
            return new Answer(200, body, null);
        });
    }

    private CompletableFuture<Answer> write(String name, String ifMatch, KeyChanges changes) {
        return stores.write(name, ifMatch, changes).handle((live, error) -> error != null ? failure(error) : written(live));
    }

    private CompletableFuture<Answer> importData(String name, String ifMatch, FullHttpRequest request) throws KeyValueStoreError {
        live(name);
        io.netty.buffer.ByteBuf body = request.content().retainedDuplicate();
        // Buffered to a file and parsed on a thread of its own, off the admin event loop: an import
        // may hold a million keys. The retained body is released there.
        return CompletableFuture.supplyAsync(() -> {
            Path file = null;
            try {
                file = Files.createTempFile("portcullis-kvs-import", ".json");
                try (var out = Files.newOutputStream(file)) {
                    body.readBytes(out, body.readableBytes());
                }
                return KeyValueStore.importFrom(name, file);
            } catch (KeyValueStoreException e) {
                throw new CompletionException(new KeyValueStoreError(KeyValueStoreError.Kind.INVALID,
                        e.getMessage().replace(String.valueOf(file), "the request body")));
            } catch (IOException e) {
                throw new CompletionException(new KeyValueStoreError(KeyValueStoreError.Kind.UNAVAILABLE,
                        "cannot buffer the import: " + e.getMessage()));
            } finally {
                body.release();
                if (file != null) {
                    try {
                        Files.deleteIfExists(file);
                    } catch (IOException ignored) {
                        // a temp file left behind is harmless
                    }
                }
            }
        }, task -> Thread.ofPlatform().daemon().name("portcullis-kvs-import").start(task))
                .thenCompose(contents -> stores.replace(name, ifMatch, contents))
                .handle((live, error) -> error != null ? failure(error) : written(live));
    }

    private static Answer written(LiveKeyValueStores.Live live) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ItemCount", live.snapshot().size());
        body.put("TotalSizeInBytes", live.snapshot().totalBytes());
        body.put("ETag", live.etag());
        return new Answer(200, body, live.etag());
    }

    private static Answer failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof KeyValueStoreError e) {
            return Answer.error(e.kind().status(), e.getMessage());
        }
        return Answer.error(500, "internal error: " + cause);
    }

    private LiveKeyValueStores.Live live(String name) throws KeyValueStoreError {
        return stores.current(name).orElseThrow(() ->
                new KeyValueStoreError(KeyValueStoreError.Kind.NOT_FOUND, "no KeyValueStore named " + name));
    }

    private static KeyChanges updateKeys(JsonNode body) throws KeyValueStoreError {
        Map<String, String> puts = new LinkedHashMap<>();
        List<String> deletes = new ArrayList<>();
        var fields = body.fieldNames();
        while (fields.hasNext()) {
            String field = fields.next();
            if (!field.equals("Puts") && !field.equals("Deletes")) {
                throw invalid("unexpected member \"" + field + "\" (only Puts and Deletes)");
            }
        }
        JsonNode p = body.path("Puts");
        JsonNode d = body.path("Deletes");
        if (!p.isMissingNode() && !p.isArray() || !d.isMissingNode() && !d.isArray()) {
            throw invalid("Puts and Deletes must be arrays");
        }
        for (int i = 0; i < p.size(); i++) {
            only(p.get(i), "Puts[" + i + "]", "Key", "Value");
            String key = text(p.get(i), "Key", "Puts[" + i + "]");
            if (puts.put(key, text(p.get(i), "Value", "Puts[" + i + "]")) != null) {
                throw invalid("Puts[" + i + "]: key \"" + KeyValueStore.shorten(key) + "\" appears more than once in the call");
            }
        }
        for (int i = 0; i < d.size(); i++) {
            only(d.get(i), "Deletes[" + i + "]", "Key");
            deletes.add(text(d.get(i), "Key", "Deletes[" + i + "]"));
        }
        return new KeyChanges(puts, deletes);
    }

    /** Refuses members other than {@code allowed}: a misspelt one must not be ignored silently. */
    private static void only(JsonNode object, String where, String... allowed) throws KeyValueStoreError {
        if (object == null || !object.isObject()) {
            throw invalid(where + " must be an object");
        }
        var names = object.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!java.util.Arrays.asList(allowed).contains(name)) {
                throw invalid(where + ": unexpected member \"" + name + "\" (allowed: " + String.join(", ", allowed) + ")");
            }
        }
    }

    private static JsonNode body(FullHttpRequest request) throws KeyValueStoreError {
        String text;
        try {
            text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(request.content().nioBuffer()).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw invalid("the body is not valid UTF-8");
        }
        try {
            JsonNode node = JSON.readTree(text);
            if (node == null || !node.isObject()) {
                throw invalid("the body must be a JSON object");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw invalid("the body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static String text(JsonNode object, String member) throws KeyValueStoreError {
        return text(object, member, "the body");
    }

    private static String text(JsonNode object, String member, String where) throws KeyValueStoreError {
        JsonNode value = object == null ? null : object.get(member);
        if (value == null || !value.isTextual()) {
            throw invalid(where + ": \"" + member + "\" must be a string");
        }
        return value.textValue();
    }

    private static CompletableFuture<Answer> notAllowed(HttpMethod method, String allowed) {
        return done(Answer.error(405, method + " is not allowed here (allowed: " + allowed + ")"));
    }

    private static CompletableFuture<Answer> done(Answer answer) {
        return CompletableFuture.completedFuture(answer);
    }

    private static KeyValueStoreError invalid(String message) {
        return new KeyValueStoreError(KeyValueStoreError.Kind.INVALID, message);
    }
}
