package dev.portcullis.config;

/** Log line formats, written in lower case in the configuration. */
public enum LogFormat {
    JSON,
    W3C
}
