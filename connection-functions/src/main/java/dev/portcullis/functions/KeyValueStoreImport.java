package dev.portcullis.functions;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Reads CloudFront's KeyValueStore import format with a streaming parser, so a million-entry file
 * never exists as a JSON tree next to the map being built.
 */
final class KeyValueStoreImport {
    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final String storeName;
    private final Path file;
    private JsonParser parser;

    private KeyValueStoreImport(String storeName, Path file) {
        this.storeName = storeName;
        this.file = file;
    }

    static KeyValueStore read(String storeName, Path file) throws KeyValueStoreException {
        return new KeyValueStoreImport(storeName, file).read();
    }

    private KeyValueStore read() throws KeyValueStoreException {
        Instant modified;
        PackedEntries.Builder entries = new PackedEntries.Builder();
        try (InputStream in = Files.newInputStream(file); JsonParser p = JSON.createParser(in)) {
            parser = p;
            modified = Files.getLastModifiedTime(file).toInstant();
            expect(p.nextToken() == JsonToken.START_OBJECT, "expected an object {\"data\":[...]}");
            boolean sawData = false;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String field = p.currentName();
                expect("data".equals(field), "unexpected field \"" + field + "\" (only \"data\" is allowed)");
                expect(p.nextToken() == JsonToken.START_ARRAY, "\"data\" must be an array");
                readEntries(entries);
                sawData = true;
            }
            expect(sawData, "missing \"data\" array");
            expect(p.nextToken() == null, "unexpected content after the top-level object");
        } catch (NoSuchFileException e) {
            throw new KeyValueStoreException(file + ": no such file");
        } catch (JsonParseException e) {
            throw new KeyValueStoreException(file + ":" + e.getLocation().getLineNr() + ": invalid JSON: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new KeyValueStoreException(file + ": cannot read: " + e.getMessage(), e);
        }
        return new KeyValueStore(storeName, entries.build(), modified, modified);
    }

    private void readEntries(PackedEntries.Builder entries) throws IOException, KeyValueStoreException {
        int index = 0;
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken(), index++) {
            String where = "data[" + index + "]";
            expect(t == JsonToken.START_OBJECT, where + ": expected an object {\"key\":..,\"value\":..}");
            String key = null;
            String value = null;
            for (JsonToken f = parser.nextToken(); f != JsonToken.END_OBJECT; f = parser.nextToken()) {
                String field = parser.currentName();
                JsonToken v = parser.nextToken();
                if ("key".equals(field)) {
                    expect(v == JsonToken.VALUE_STRING, where + ": \"key\" must be a string");
                    key = parser.getText();
                } else if ("value".equals(field)) {
                    expect(v == JsonToken.VALUE_STRING, where + ": \"value\" must be a string");
                    value = parser.getText();
                } else {
                    throw failure(where + ": unexpected field \"" + field + "\" (only \"key\" and \"value\" are allowed)");
                }
            }
            expect(key != null, where + ": missing \"key\"");
            String named = where + " (key \"" + KeyValueStore.shorten(key) + "\")";
            expect(value != null, named + ": missing \"value\"");
            String problem = KeyValueStore.problem(key, value);
            expect(problem == null, named + ": " + problem);
            try {
                expect(entries.add(key, value), named + ": duplicate key");
            } catch (IllegalStateException e) {
                throw failure(named + ": " + e.getMessage());
            }
        }
    }

    private void expect(boolean condition, String problem) throws KeyValueStoreException {
        if (!condition) {
            throw failure(problem);
        }
    }

    private KeyValueStoreException failure(String problem) {
        long line = parser == null ? 0 : parser.currentLocation().getLineNr();
        return new KeyValueStoreException(file + (line > 0 ? ":" + line : "") + ": KeyValueStore " + storeName + ": " + problem);
    }
}
