package dev.portcullis.proxy.http;

import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * HTTP/1.1 pipelining on one viewer connection: requests that came while an earlier one is still
 * being answered wait here, in order, and are answered strictly in that order. Bounded: past
 * {@link #MAX_PIPELINED} waiting messages the connection stops reading (the client's pipeline then
 * waits in TCP). Netty's codec itself refuses more than 128 requests in flight; that overflow is
 * remembered here, and the exchange in flight is then the connection's last.
 */
final class Http1Pipeline {
    /** Pipelined HTTP/1.1 messages buffered at most; more pauses reading (bounded memory). */
    static final int MAX_PIPELINED = 16;

    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>(0);
    private boolean overflowed;

    void add(HttpObject message) {
        waiting.add(message);
    }

    /** The next waiting message (head, body part), or null. */
    HttpObject poll() {
        return waiting.poll();
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** Whether the connection may read more without buffering past the bound. */
    boolean hasRoom() {
        return waiting.size() < MAX_PIPELINED;
    }

    /** More than the codec's 128 pipelined requests came: the exchange in flight is the last one. */
    void overflow() {
        overflowed = true;
    }

    boolean overflowed() {
        return overflowed;
    }

    /** The connection closed: what waits is released, never answered. */
    void releaseAll() {
        HttpObject queued;
        while ((queued = waiting.poll()) != null) {
            ReferenceCountUtil.release(queued);
        }
    }
}
