package dev.portcullis.config;

/** How the edge talks to an origin, chosen by the origin url's scheme. */
public enum OriginProtocol {
    /** {@code h2c://}: cleartext HTTP/2 with prior knowledge. */
    H2C("h2c", 80),
    /** {@code http://}: cleartext HTTP/1.1. */
    HTTP1("http", 80),
    /** {@code https://}: TLS, ALPN offering h2 then http/1.1. */
    HTTPS("https", 443);

    private final String scheme;
    private final int defaultPort;

    OriginProtocol(String scheme, int defaultPort) {
        this.scheme = scheme;
        this.defaultPort = defaultPort;
    }

    public String scheme() {
        return scheme;
    }

    public int defaultPort() {
        return defaultPort;
    }
}
