package dev.portcullis.loadgen;

/** The HTTP side of a connection: sends requests and reports each one's end to its {@link Connection}. */
interface Exchanger {
    /** Writes and flushes the request. */
    void send(Exchange exchange);

    int inFlight();

    /** False once the server said it will take no more requests (Connection: close, GOAWAY, stream limit). */
    boolean acceptsMore();

    /** Fails every request still in flight; the connection is gone. */
    void failAll(Failure failure);

    /** Fails requests that started before {@code cutoffNanos} as timeouts. */
    void expire(long cutoffNanos);
}
