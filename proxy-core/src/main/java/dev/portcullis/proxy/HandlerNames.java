package dev.portcullis.proxy;

/**
 * Names of the viewer pipeline's handlers, in the order the bytes meet them (the steps that add
 * them are {@link ViewerPipeline}'s). One place, so the order is documented and nobody scatters
 * string literals:
 * <ol>
 *   <li>{@link #CONNECTION}: assigns the connectionId, counts the connection, writes its
 *       connection-log record exactly once;</li>
 *   <li>{@link #HANDSHAKE_ACKS}: until the handshake has finished, acknowledges the client's flights
 *       at once (TCP_QUICKACK after each read), so a client with Nagle on does not stall 40 ms;</li>
 *   <li>{@link #SNI}: reads the ClientHello's SNI, pins the connection to the current generation,
 *       picks its distribution, and replaces itself with {@link #TLS}, the distribution's SslHandler
 *       (client-certificate checks run on the handshake executor when a connection function may run
 *       or signatures are not native; otherwise inline on the event loop, as CPU work like the
 *       handshake's own);</li>
 *   <li>{@link #TLS_OUTCOME}: on handshake completion records protocol, cipher and duration, or
 *       classifies the failure; then installs the HTTP codec ALPN chose;</li>
 *   <li>{@link #IDLE}: closes idle viewer connections;</li>
 *   <li>HTTP/1.1: {@link #REQUEST_BYTES} (notes when a request head begins), {@link #HTTP1_CODEC},
 *       {@link #REQUEST_TIMEOUT} (request head and body timeouts); HTTP/2: {@link #FLUSH_CONSOLIDATION}
 *       (streams finishing in the same event-loop turn share one write), {@link #HTTP2_CODEC} and
 *       {@link #HTTP2_MULTIPLEX}, whose stream channels get {@link #HTTP2_TO_HTTP} and
 *       {@link #REQUEST_TIMEOUT} (body timeout);</li>
 *   <li>{@link #PROXY}: strips untrusted headers, adds the certificate headers, relays to the
 *       origin with backpressure.</li>
 * </ol>
 */
public final class HandlerNames {
    public static final String CONNECTION = "connection";
    public static final String HANDSHAKE_ACKS = "handshake-acks";
    public static final String SNI = "sni";
    public static final String TLS = "tls";
    public static final String TLS_OUTCOME = "tls-outcome";
    public static final String IDLE = "idle";
    public static final String HTTP1_CODEC = "http1-codec";
    public static final String FLUSH_CONSOLIDATION = "flush-consolidation";
    public static final String HTTP2_CODEC = "http2-codec";
    public static final String HTTP2_MULTIPLEX = "http2-multiplex";
    public static final String HTTP2_TO_HTTP = "http2-to-http";
    /** Last on an HTTP/2 connection: closes it on an error that is not HTTP/2's own (those the codec answers). */
    public static final String HTTP2_ERRORS = "http2-errors";
    public static final String REQUEST_BYTES = "request-bytes";
    public static final String REQUEST_TIMEOUT = "request-timeout";
    public static final String PROXY = "proxy";

    /** Origin side: codec, then the relay of the exchange in progress, then (HTTP/1.1) the unsolicited guard. */
    public static final String ORIGIN_TLS = "origin-tls";
    public static final String ORIGIN_CODEC = "origin-codec";
    /** HTTP/2 origins only, after the codec: one child channel per exchange's stream. */
    public static final String ORIGIN_MULTIPLEX = "origin-multiplex";
    public static final String ORIGIN_RELAY = "origin-relay";
    /** HTTP/1.1 origins only, after the relay: closes a connection that sends what nobody asked for. */
    public static final String ORIGIN_UNSOLICITED = "origin-unsolicited";

    private HandlerNames() {
    }
}
