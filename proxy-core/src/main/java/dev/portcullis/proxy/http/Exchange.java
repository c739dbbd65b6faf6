package dev.portcullis.proxy.http;

import dev.portcullis.proxy.HandlerNames;
import dev.portcullis.proxy.origin.OriginPool;
import dev.portcullis.proxy.tls.ConnectionIds;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response, relayed between the viewer's {@link ProxyHandler} (which owns the
 * connection or stream, pipelining and auto-read) and one origin connection or stream (whose
 * {@link OriginRelay} feeds the response back here). All on the viewer's event loop.
 *
 * <p>An exchange moves through its {@link Phase}s in order, only forwards, through {@link #to}. The
 * request side is orthogonal: {@code requestDone} says the viewer's body has ended (an origin may
 * answer before it has; the rest is then read and dropped).
 *
 * <p>Over 250 lines: the relay's two directions and every way an exchange can end (answered, our
 * error, abort, retry on a fresh connection) touch the same few fields; split, each half would need
 * the other's.
 */
final class Exchange {
    /**
     * The phases of an exchange, named as Pingora names a request's. A viewer-request function is
     * to run in {@link #REQUEST_FILTER}, a viewer-response function in {@link #RESPONSE_FILTER}.
     */
    enum Phase {
        /** The request's own checks: method, version, target, exactly one valid Host, 421. */
        REQUEST_FILTER,
        /** Origin chosen, request built (choose origin, origin request); the connection is acquired and
         *  head and body go out as they come; no response yet. */
        ORIGIN_REQUEST,
        /** The origin's head is held until the end of its read (its framing checked) before it goes out. */
        RESPONSE_FILTER,
        /** The head went to the viewer; the body streams. */
        RESPONDING,
        /** Answered (by the origin, or by the node's own error, or aborted) and logged: nothing more is relayed. */
        LOGGED
    }

    private static final Logger LOG = LoggerFactory.getLogger("portcullis.proxy");

    private final ProxyHandler viewer;

    final HttpRequest request;
    final String requestId = ConnectionIds.nextRequestId();
    final long startNanos = System.nanoTime();
    final long startMillis = System.currentTimeMillis();
    final boolean keepAlive;
    final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>(0);
    OriginPool origin;
    HttpRequest head;
    /** The origin's response head, converted, until its first body part or the end of the read. */
    io.netty.handler.codec.http.HttpResponse heldHead;
    final ArrayDeque<HttpContent> heldBody = new ArrayDeque<>(0);
    private Phase phase = Phase.REQUEST_FILTER;
    boolean headSent;
    Channel originChannel;
    io.netty.util.concurrent.ScheduledFuture<?> responseTimeout;
    boolean requestDone;
    /** The origin's response allows another request on its connection (HTTP/1.1 keep-alive). */
    boolean originKeepAlive = true;
    boolean retried;
    int status;
    /** The access log's x-edge-result-type when a function decided it (FunctionGeneratedResponse, ...), else null. */
    String resultType;
    /** The viewer-response function of the request's behavior, or null. */
    dev.portcullis.functions.ViewerFunction responseFunction;
    /** The request as viewer functions see it (built once, if the behavior has any), else null. */
    dev.portcullis.functions.ViewerEvent.Request functionRequest;
    long requestBytes;
    long responseBytes;
    long firstByteNanos = -1;
    long originSentNanos;
    long originNanos = -1;

    Exchange(ProxyHandler viewer, HttpRequest request) {
        this.viewer = viewer;
        this.request = request;
        this.keepAlive = viewer.isHttp2() || HttpUtil.isKeepAlive(request);
    }

    /** The one place the phase changes: forwards only. */
    private void to(Phase next) {
        if (next.ordinal() <= phase.ordinal()) {
            throw new IllegalStateException("exchange " + requestId + ": " + phase + " -> " + next);
        }
        phase = next;
    }

    Phase phase() {
        return phase;
    }

    /** Answered and logged: what still comes of the request is dropped. */
    boolean ended() {
        return phase == Phase.LOGGED;
    }

    /** The origin's response is under way (held or streaming) and not yet ended. */
    boolean responding() {
        return phase == Phase.RESPONSE_FILTER || phase == Phase.RESPONDING;
    }

    /**
     * Choose origin and origin request: the request passed its filter; {@code origin} serves it with
     * {@code originHead}. The connection is acquired next; body parts wait in {@code pendingBody}.
     */
    void originRequest(OriginPool chosen, HttpRequest originHead) {
        to(Phase.ORIGIN_REQUEST);
        origin = chosen;
        head = originHead;
        Future<Channel> acquired = chosen.acquire(viewer.ctx().channel().eventLoop());
        if (acquired.isDone()) {
            originAcquired(acquired);
        } else {
            viewer.updateViewerAutoRead();
            acquired.addListener(f -> originAcquired(acquired));
        }
    }

    void originAcquired(Future<Channel> acquired) {
        if (ended()) {
            if (acquired.isSuccess()) {
                origin.release(acquired.getNow(), false);
            }
            return;
        }
        if (!acquired.isSuccess()) {
            LOG.debug("origin {} unreachable: {}", origin.origin().id(), acquired.cause().toString());
            fail(HttpResponseStatus.BAD_GATEWAY, "origin unreachable");
            return;
        }
        Channel channel = acquired.getNow();
        if (!viewer.ctx().channel().isActive()) {
            origin.release(channel, false);
            abort("viewer closed the connection");
            return;
        }
        originChannel = channel;
        channel.config().setAutoRead(viewer.ctx().channel().isWritable());
        if (channel.pipeline().get(HandlerNames.ORIGIN_UNSOLICITED) != null) {
            channel.pipeline().addBefore(HandlerNames.ORIGIN_UNSOLICITED, HandlerNames.ORIGIN_RELAY, new OriginRelay(this));
        } else {
            channel.pipeline().addLast(HandlerNames.ORIGIN_RELAY, new OriginRelay(this));
        }
        originSentNanos = System.nanoTime();
        if (!viewer.inRead()) {
            sendToOrigin(); // acquired later: nothing else will flush for us
        }
        viewer.updateViewerAutoRead();
    }

    /**
     * Writes what waits for the origin and flushes once. A request whose body is complete and
     * empty goes as one message, so an HTTP/2 origin gets a single HEADERS frame with END_STREAM
     * instead of HEADERS plus an empty DATA frame.
     */
    void sendToOrigin() {
        Channel channel = originChannel;
        if (channel == null || pendingBody.isEmpty() && headSent) {
            return;
        }
        if (!headSent) {
            headSent = true;
            HttpContent only = pendingBody.peek();
            if (requestDone && pendingBody.size() == 1 && only instanceof LastHttpContent
                    && !only.content().isReadable() && ((LastHttpContent) only).trailingHeaders().isEmpty()) {
                pendingBody.poll().release();
                channel.write(new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(),
                        io.netty.buffer.Unpooled.EMPTY_BUFFER, head.headers(), EmptyHttpHeaders.INSTANCE));
            } else {
                channel.write(head);
            }
        }
        HttpContent pending;
        while ((pending = pendingBody.poll()) != null) {
            channel.write(pending);
        }
        channel.flush();
        armResponseTimeout();
    }

    void requestBody(HttpContent content) {
        requestBytes += content.content().readableBytes();
        boolean last = content instanceof LastHttpContent;
        if (last) {
            requestDone = true;
            content = withFilteredTrailers((LastHttpContent) content);
        }
        pendingBody.add(content); // sent by sendToOrigin, once per read batch
        if (!viewer.inRead()) {
            sendToOrigin();
        }
        viewer.updateViewerAutoRead();
    }

    /**
     * Trailers are fields like headers, and an origin may merge them into its headers: the
     * same fields are kept out (a client-sent CloudFront-Viewer-Cert-Present: 1 in a trailer).
     */
    private LastHttpContent withFilteredTrailers(LastHttpContent last) {
        if (last.trailingHeaders().isEmpty()) {
            return last;
        }
        return new DefaultLastHttpContent(last.content(), viewer.filter().trailers(last.trailingHeaders()));
    }

    /**
     * The origin's head, and the body parts that came with it, are held until the end of the
     * origin read (or the body's end), so a response whose framing turns out broken in the same
     * read (a bad chunk after a plausible head) still becomes a clean 502 instead of a 200 head
     * followed by nothing. What is held is at most one read batch, already in memory.
     */
    void responseHead(io.netty.handler.codec.http.HttpResponse response) {
        if (response.decoderResult().isFailure()) {
            ReferenceCountUtil.release(response);
            originBroken("malformed response head", response.decoderResult().cause());
            return;
        }
        String malformed = ViewerResponses.malformed(response);
        if (malformed != null) {
            ReferenceCountUtil.release(response);
            originBroken(malformed, null);
            return;
        }
        if (response.status().codeClass() == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL) {
            ReferenceCountUtil.release(response); // 100 Continue was ours to send; other 1xx are dropped
            return;
        }
        if (phase != Phase.ORIGIN_REQUEST) {
            ReferenceCountUtil.release(response); // a second head on the same exchange: never relayed
            originBroken("second response head", null);
            return;
        }
        cancelTimeout();
        to(Phase.RESPONSE_FILTER);
        status = response.status().code();
        originKeepAlive = HttpUtil.isKeepAlive(response);
        firstByteNanos = System.nanoTime() - startNanos;
        originNanos = System.nanoTime() - originSentNanos;
        boolean viewerKeepAlive = keepAlive && !viewer.draining();
        heldHead = ViewerResponses.fromOrigin(response, request.method(), viewer.isHttp2(), viewerKeepAlive);
        if (responseFunction != null && status < 400) {
            responseFilter(); // may end the exchange with a 503; a full response's body is then released below
        }
        if (response instanceof io.netty.handler.codec.http.FullHttpResponse full) {
            responseBody(new DefaultLastHttpContent(full.content()));
        }
    }

    /**
     * The response filter's viewer-response function (as CloudFront, only for origin statuses below
     * 400): it may change the held head's status and headers, never the framing of the body that follows.
     */
    private void responseFilter() {
        var seen = ViewerFunctionEvents.response(heldHead);
        var event = ViewerFunctionEvents.event(dev.portcullis.functions.ViewerEvent.EventType.VIEWER_RESPONSE,
                viewer.state(), requestId, functionRequest, seen);
        var outcome = responseFunction.invoke(event);
        String problem = outcome.kind() == dev.portcullis.functions.ViewerOutcome.Kind.FAULT ? outcome.error()
                : ViewerFunctionEvents.applyResponse(seen, outcome.response(), heldHead);
        if (problem == null && ViewerResponses.mayHaveBody(heldHead.status(), request.method())
                != ViewerResponses.mayHaveBody(HttpResponseStatus.valueOf(status), request.method())) {
            problem = "invalid return: response.statusCode " + heldHead.status().code()
                    + " would change whether the origin's body may follow";
        }
        if (problem != null) {
            functionFault(responseFunction.name(), "viewer-response", problem);
            return;
        }
        status = heldHead.status().code();
    }

    /**
     * A viewer function faulted (threw, returned nothing usable, broke a limit): 503, one log line
     * with the connectionId and requestId (a flood summarised per function), counted, never the origin.
     */
    void functionFault(String function, String eventType, String error) {
        viewer.services().functionFaults().log(function, "function {} ({}) failed on request {} of connection {}: {}",
                function, eventType, requestId, viewer.state().connectionId(), error);
        viewer.services().observer().functionFailed(function, eventType, viewer.state());
        resultType = "FunctionExecutionError";
        // the function's fault is no fault of the request: a bodyless one keeps its connection
        error(HttpResponseStatus.SERVICE_UNAVAILABLE, "the function " + function + " failed", answerCloses());
    }

    /**
     * Whether answering now must close an HTTP/1.1 connection: unless the request is complete, or
     * declares no body (its end is then already on its way), what follows could not be read as the
     * next request.
     */
    boolean answerCloses() {
        boolean bodyPending = !requestDone && (HttpUtil.isTransferEncodingChunked(request)
                || HttpUtil.getContentLength(request, 0L) > 0);
        return !viewer.isHttp2() && (!keepAlive || bodyPending || viewer.draining());
    }

    /** A viewer-request function's own response, sent instead of the origin's (the request filter phase). */
    void answer(io.netty.handler.codec.http.FullHttpResponse response, String result) {
        resultType = result;
        status = response.status().code();
        firstByteNanos = System.nanoTime() - startNanos;
        send(response, answerCloses());
    }

    /** Writes the exchange's one response of our own making, logs the exchange and moves on (or closes). */
    private void send(io.netty.handler.codec.http.FullHttpResponse response, boolean close) {
        var write = viewer.ctx().writeAndFlush(response);
        if (close) {
            write.addListener(ChannelFutureListener.CLOSE);
        }
        finish();
        if (requestDone) {
            viewer.afterExchange(this);
        } else {
            viewer.updateViewerAutoRead();
        }
    }

    /** The origin sent what its codec could not decode: 502 if nothing went out yet, else give up. */
    private void originBroken(String what, Throwable cause) {
        originKeepAlive = false;
        viewer.services().brokenOrigins().log(origin.origin().id(), "origin {} sent a {} on connection {}: {}",
                origin.origin().id(), what, viewer.state().connectionId(), cause == null ? "-" : cause.getMessage());
        fail(HttpResponseStatus.BAD_GATEWAY, "bad gateway: malformed response from origin");
    }

    /** The response filter passed: the held head and body parts go out. */
    private void writeHeldHead() {
        if (phase == Phase.RESPONSE_FILTER) {
            to(Phase.RESPONDING);
            viewer.ctx().write(heldHead);
            heldHead = null;
            HttpContent part;
            while ((part = heldBody.poll()) != null) {
                viewer.ctx().write(part);
            }
        }
    }

    private void dropHeldResponse() {
        heldHead = null;
        HttpContent part;
        while ((part = heldBody.poll()) != null) {
            part.release();
        }
    }

    void responseBody(HttpContent content) {
        if (!responding()) {
            content.release();
            return;
        }
        if (content.decoderResult().isFailure()) {
            Throwable cause = content.decoderResult().cause();
            content.release();
            originBroken("malformed response body", cause);
            return;
        }
        responseBytes += content.content().readableBytes();
        if (!(content instanceof LastHttpContent)) {
            if (phase == Phase.RESPONSE_FILTER) {
                heldBody.add(content);
            } else {
                viewer.ctx().write(content);
            }
            return;
        }
        writeHeldHead();
        boolean close = !viewer.isHttp2() && (!keepAlive || viewer.draining() || !requestDone);
        boolean complete = requestDone;
        // Release the origin and record the exchange before the last bytes leave: once the viewer
        // has its response, the access log already has the request (and the origin connection is
        // free for the next one). The next pipelined request starts only after this write.
        if (complete) {
            detachOrigin(originKeepAlive);
        } else {
            // The origin answered before the whole body arrived (e.g. 413): stop relaying the rest.
            detachOrigin(false);
        }
        finish();
        var write = viewer.ctx().writeAndFlush(content);
        if (close) {
            write.addListener(ChannelFutureListener.CLOSE);
        }
        if (complete) {
            viewer.afterExchange(this);
        } else {
            viewer.updateViewerAutoRead();
        }
    }

    void originFlushDone() {
        writeHeldHead();
        viewer.ctx().flush();
    }

    void originWritabilityChanged() {
        viewer.updateViewerAutoRead();
    }

    void originClosed() {
        if (!ended() && mayRetryOnFreshConnection()) {
            retry();
            return;
        }
        if (!ended()) {
            if (phase == Phase.RESPONDING) {
                abort("origin closed the connection mid-response");
            } else {
                fail(HttpResponseStatus.BAD_GATEWAY, "origin closed the connection");
            }
        }
    }

    void originFailed(Throwable cause) {
        LOG.debug("origin {} error: {}", origin.origin().id(), cause.toString());
        originClosed();
    }

    /**
     * The origin's response timeout counts from the moment the whole request was handed to it
     * (as CloudFront's origin response timeout does), so a slow upload is not a slow origin.
     */
    private void armResponseTimeout() {
        if (responseTimeout != null || !requestDone || phase != Phase.ORIGIN_REQUEST) {
            return;
        }
        long timeoutMillis = origin.origin().responseTimeout().toMillis();
        responseTimeout = viewer.ctx().executor().schedule(this::responseTimedOut, timeoutMillis,
                java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * A pooled HTTP/1.1 connection the origin closed just as we reused it (its keep-alive timeout
     * raced our request) fails before any response byte. An idempotent request without a body is
     * then sent once more on a fresh connection, as nginx does, instead of answering 502.
     */
    private boolean mayRetryOnFreshConnection() {
        return !retried && phase == Phase.ORIGIN_REQUEST && requestDone && requestBytes == 0 && originChannel != null
                && origin.wasPooled(originChannel) && isIdempotent(request.method().name());
    }

    private void retry() {
        retried = true;
        Channel stale = originChannel;
        originChannel = null;
        cancelTimeout();
        if (stale.pipeline().get(HandlerNames.ORIGIN_RELAY) != null) {
            stale.pipeline().remove(HandlerNames.ORIGIN_RELAY);
        }
        origin.release(stale, false);
        pendingBody.add(new DefaultLastHttpContent());
        headSent = false;
        Future<Channel> acquired = origin.acquireFresh(viewer.ctx().channel().eventLoop());
        acquired.addListener(f -> originAcquired(acquired));
    }

    private static boolean isIdempotent(String method) {
        return switch (method) {
            case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE" -> true;
            default -> false;
        };
    }

    private void responseTimedOut() {
        if (phase == Phase.ORIGIN_REQUEST) {
            fail(HttpResponseStatus.GATEWAY_TIMEOUT, "origin timeout");
        }
    }

    /** Answers with our own error; HTTP/1.1 closes afterwards unless the request was complete. */
    void fail(HttpResponseStatus errorStatus, String text) {
        // Unless the request was complete, what follows it may not be a request: close.
        error(errorStatus, text, !viewer.isHttp2() && (!keepAlive || !requestDone || viewer.draining()));
    }

    private void error(HttpResponseStatus errorStatus, String text, boolean close) {
        if (ended()) {
            return;
        }
        if (phase == Phase.RESPONDING) {
            abort(text);
            return;
        }
        dropHeldResponse(); // held, never written: the viewer gets our error instead
        detachOrigin(false);
        status = errorStatus.code();
        send(ViewerResponses.error(viewer.ctx().alloc(), errorStatus, text, !close), close);
    }

    /**
     * The viewer's body cannot be decoded: 400 and close. The origin connection is closed with
     * the request unfinished, so the origin never acts on a truncated body.
     */
    void requestBroken(String why) {
        fail(HttpResponseStatus.BAD_REQUEST, why);
    }

    /** Gives up mid-way: the viewer connection (HTTP/1.1) or stream (HTTP/2) is closed. */
    void abort(String why) {
        if (ended()) {
            return;
        }
        LOG.debug("exchange {} on connection {} aborted: {}", requestId, viewer.state().connectionId(), why);
        dropHeldResponse();
        detachOrigin(false);
        finish();
        viewer.ctx().close();
    }

    /** @param reusable the whole response came and the origin allows another request on the connection */
    private void detachOrigin(boolean reusable) {
        cancelTimeout();
        HttpContent pending;
        while ((pending = pendingBody.poll()) != null) {
            pending.release();
        }
        if (originChannel != null) {
            Channel channel = originChannel;
            originChannel = null;
            if (channel.pipeline().get(HandlerNames.ORIGIN_RELAY) != null) {
                channel.pipeline().remove(HandlerNames.ORIGIN_RELAY);
            }
            channel.config().setAutoRead(true);
            origin.release(channel, reusable && requestDone);
        }
    }

    private void cancelTimeout() {
        if (responseTimeout != null) {
            responseTimeout.cancel(false);
            responseTimeout = null;
        }
    }

    /** Logging: the exchange's one access record; the last phase. */
    private void finish() {
        to(Phase.LOGGED);
        viewer.services().inFlight().decrementAndGet();
        viewer.services().observer().exchangeEnded(new ExchangeRecord(viewer.state(), requestId, startMillis,
                request.method().name(), request.headers().get(HttpHeaderNames.HOST), request.uri(),
                viewer.isHttp2() ? "HTTP/2.0" : request.protocolVersion().text(), status, requestBytes, responseBytes,
                System.nanoTime() - startNanos, firstByteNanos, origin == null ? null : origin.origin().id(),
                originNanos, resultType));
    }
}
