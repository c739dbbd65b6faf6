package dev.portcullis.viewerheaders;

/** One request header to add: its name as it goes on the wire and its value. */
public record ViewerHeader(String name, String value) {
}
