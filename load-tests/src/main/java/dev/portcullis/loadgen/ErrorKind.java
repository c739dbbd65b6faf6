package dev.portcullis.loadgen;

/** Why a request or connection attempt failed; {@link #key} is the name used in the summary and the JSON. */
enum ErrorKind {
    CONNECT_REFUSED("connect_refused"),
    CONNECT_FAILED("connect_failed"),
    /** The server rejected the handshake (alert) or the client rejected the server's certificate. */
    TLS_HANDSHAKE("tls_handshake"),
    TIMEOUT("timeout"),
    HTTP_1XX("http_1xx"),
    HTTP_3XX("http_3xx"),
    HTTP_4XX("http_4xx"),
    HTTP_5XX("http_5xx"),
    /** Connection reset or closed, or HTTP/2 stream reset, before the response ended. */
    RESET("reset"),
    /** The server spoke HTTP wrongly, or would not negotiate the requested protocol. */
    PROTOCOL("protocol"),
    OTHER("other");

    final String key;

    ErrorKind(String key) {
        this.key = key;
    }

    /** The error kind of a non-2xx status, {@code null} for 2xx. */
    static ErrorKind ofStatus(int status) {
        return switch (status / 100) {
            case 2 -> null;
            case 1 -> HTTP_1XX;
            case 3 -> HTTP_3XX;
            case 4 -> HTTP_4XX;
            default -> HTTP_5XX;
        };
    }
}
