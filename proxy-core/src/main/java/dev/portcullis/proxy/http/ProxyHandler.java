package dev.portcullis.proxy.http;

import dev.portcullis.proxy.HandlerNames;
import dev.portcullis.proxy.origin.OriginClient;
import dev.portcullis.proxy.tls.ConnectionIds;
import dev.portcullis.proxy.tls.ConnectionState;
import dev.portcullis.proxy.tls.EdgeDistribution;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays viewer requests to origins, for an HTTP/1.1 connection (one exchange at a time; pipelined
 * requests wait in order) or one HTTP/2 stream (exactly one exchange). Both sides stream: no body is
 * ever aggregated, and backpressure runs both ways through auto-read (viewer reads pause while the
 * origin connection is not writable, origin reads pause while the viewer is not writable).
 * Everything here runs on the viewer's event loop, which is also the origin connection's loop.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.proxy");

    private final ProxyServices services;
    private final boolean http2;
    private final ArrayDeque<HttpObject> pipelined = new ArrayDeque<>(0);
    private ChannelHandlerContext ctx;
    private ConnectionState state;
    private Exchange exchange;
    /** After an error answered a request early, the rest of its body is read and dropped. */
    private boolean discardingBody;
    /** Inside a viewer read batch: writes to the origin wait for channelReadComplete's one flush. */
    private boolean inRead;
    /** Pipelined HTTP/1.1 messages buffered at most; more pauses reading (bounded memory). */
    private static final int MAX_PIPELINED = 16;

    ProxyHandler(ProxyServices services, boolean http2) {
        this.services = services;
        this.http2 = http2;
    }

    private ViewerFieldFilter filter;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.state = ConnectionState.of(ctx.channel());
        this.filter = new ViewerFieldFilter(state.distribution().config().connectionIdHeader().orElse(null),
                services.limits().allowUnderscoresInHeaders());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject object)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        inRead = true;
        if (exchange != null && exchange.requestDone || !pipelined.isEmpty()) {
            pipelined.add(object); // HTTP/1.1 pipelining: answered strictly in order
            updateViewerAutoRead();
            return;
        }
        handle(object);
    }

    private void handle(HttpObject msg) {
        if (msg instanceof HttpRequest request) {
            start(request);
            if (msg instanceof FullHttpRequest full) {
                // The head and the whole (possibly empty) body came in one message; the body part
                // takes over the buffer's ownership.
                body(new DefaultLastHttpContent(full.content()));
            }
            return;
        }
        if (msg instanceof HttpContent content) {
            body(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void start(HttpRequest request) {
        services.inFlight().incrementAndGet();
        Exchange ex = new Exchange(request);
        exchange = ex;
        discardingBody = false;
        RequestChecks.Refusal refusal = RequestChecks.check(request, http2);
        if (refusal != null) {
            ex.fail(refusal.status(), refusal.text());
            return;
        }
        EdgeDistribution distribution = state.distribution();
        RequestAuthority.Result authority = RequestAuthority.of(request, http2);
        if (!authority.valid()) {
            ex.fail(HttpResponseStatus.BAD_REQUEST, "bad request: " + authority.problem());
            return;
        }
        String host = authority.host();
        if (host != null && !state.generation().distributions().mayServe(distribution, host)) {
            ex.fail(HttpResponseStatus.MISDIRECTED_REQUEST, "misdirected request: " + host
                    + " is not served on this TLS connection");
            return;
        }
        String uri = request.uri();
        if (HttpUtil.is100ContinueExpected(request)) {
            // We answer 100 ourselves and strip Expect: the body streams to the origin as it comes.
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        OriginClient origin = distribution.originFor(pathOf(uri));
        ex.origin = origin;
        ex.head = OriginRequests.build(request, http2, state, distribution.config(), origin.origin(), filter);
        Future<Channel> acquired = origin.acquire(ctx.channel().eventLoop());
        if (acquired.isDone()) {
            ex.originAcquired(acquired);
        } else {
            updateViewerAutoRead();
            acquired.addListener(f -> ex.originAcquired(acquired));
        }
    }

    private void body(HttpContent content) {
        Exchange ex = exchange;
        if (content.decoderResult().isFailure()) {
            // A malformed chunk (bad size, missing CRLF): the decoder has given up on the connection,
            // so nothing more of this request, or of any pipelined after it, can be trusted. What
            // waits for the origin is dropped and its connection closed, never completed.
            content.release();
            if (ex != null && !ex.finished) {
                ex.requestBroken("bad request body: " + content.decoderResult().cause().getMessage());
            } else {
                ctx.close();
            }
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (ex == null || ex.finished || discardingBody) {
            content.release();
            if (last && ex != null) {
                ex.requestDone = true;
                discardingBody = false;
                if (ex.finished) {
                    afterExchange(ex);
                }
            }
            return;
        }
        ex.requestBody(content);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inRead = false;
        Exchange ex = exchange;
        if (ex != null && !ex.finished) {
            ex.sendToOrigin();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        Exchange ex = exchange;
        if (ex != null && ex.originChannel != null) {
            ex.originChannel.config().setAutoRead(ctx.channel().isWritable());
        }
        super.channelWritabilityChanged(ctx);
    }

    /**
     * Idle: without an exchange the connection (HTTP/1.1) or stream (HTTP/2, writer idle) is done
     * with. With one whose response has started, no progress for the idle timeout means the viewer
     * stopped reading (a zero HTTP/2 window, a full TCP window): it would otherwise hold the stream
     * and its origin connection for ever. Before the response starts, the origin's response timeout
     * and the request body timeout are the clocks that count.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            Exchange ex = exchange;
            if (ex == null) {
                ctx.close();
            } else if (ex.responseStarted && !ex.finished) {
                ex.abort("no response progress for the idle timeout");
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Exchange ex = exchange;
        if (ex != null && !ex.finished) {
            ex.abort("viewer closed the connection");
        }
        HttpObject queued;
        while ((queued = pipelined.poll()) != null) {
            ReferenceCountUtil.release(queued);
        }
        super.channelInactive(ctx);
    }

    /**
     * A malformed HTTP/2 request (Netty's conversion found, say, :authority and host disagreeing)
     * resets its stream with the error's own code (PROTOCOL_ERROR, RFC 9113 8.1.1), not CANCEL.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("viewer connection {} closed: {}", state == null ? "?" : state.connectionId(), cause.toString());
        io.netty.handler.codec.http2.Http2Exception h2 = http2
                ? io.netty.handler.codec.http2.Http2CodecUtil.getEmbeddedHttp2Exception(cause) : null;
        if (h2 != null && ctx.channel().isActive()) {
            ctx.writeAndFlush(new io.netty.handler.codec.http2.DefaultHttp2ResetFrame(h2.error()))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.close();
    }

    /**
     * Viewer reads pause while a request body waits for its origin connection, while the origin
     * cannot take more, and while too many pipelined messages wait their turn. Otherwise reading goes
     * on: toggling it per request would cost an epoll_ctl each way.
     */
    private void updateViewerAutoRead() {
        Exchange ex = exchange;
        boolean read = pipelined.size() < MAX_PIPELINED;
        if (ex != null && !ex.finished && !ex.requestDone) {
            read &= ex.originChannel != null && ex.originChannel.isWritable();
        }
        ctx.channel().config().setAutoRead(read || discardingBody);
    }

    /** An exchange ended: HTTP/1.1 carries on with the next request or closes; an HTTP/2 stream is done. */
    private void afterExchange(Exchange ex) {
        if (exchange != ex || !ex.requestDone && !discardingBody) {
            return;
        }
        exchange = null;
        if (http2) {
            return;
        }
        if (!ex.keepAlive) {
            return; // the response's write listener closes the connection
        }
        HttpObject next;
        while (exchange == null && (next = pipelined.poll()) != null) {
            handle(next);
        }
        while (exchange != null && !exchange.requestDone && (next = pipelined.poll()) != null) {
            handle(next);
        }
        if (exchange != null && !exchange.finished && !inRead) {
            exchange.sendToOrigin();
        }
        updateViewerAutoRead();
    }

    private static String pathOf(String uri) {
        int query = uri.indexOf('?');
        return query >= 0 ? uri.substring(0, query) : uri;
    }

    /** One request and its response. */
    final class Exchange {
        final HttpRequest request;
        final String requestId = ConnectionIds.nextRequestId();
        final long startNanos = System.nanoTime();
        final long startMillis = System.currentTimeMillis();
        final boolean keepAlive;
        final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>(0);
        OriginClient origin;
        HttpRequest head;
        /** The origin's response head, converted, until its first body part or the end of the read. */
        io.netty.handler.codec.http.HttpResponse heldHead;
        final ArrayDeque<HttpContent> heldBody = new ArrayDeque<>(0);
        boolean headSent;
        Channel originChannel;
        io.netty.util.concurrent.ScheduledFuture<?> responseTimeout;
        boolean requestDone;
        boolean responseStarted;
        boolean responseDone;
        /** The origin's response allows another request on its connection (HTTP/1.1 keep-alive). */
        boolean originKeepAlive = true;
        boolean retried;
        boolean finished;
        int status;
        long requestBytes;
        long responseBytes;
        long firstByteNanos = -1;
        long originSentNanos;
        long originNanos = -1;

        Exchange(HttpRequest request) {
            this.request = request;
            this.keepAlive = http2 || HttpUtil.isKeepAlive(request);
        }

        void originAcquired(Future<Channel> acquired) {
            if (finished) {
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
            if (!ctx.channel().isActive()) {
                origin.release(channel, false);
                abort("viewer closed the connection");
                return;
            }
            originChannel = channel;
            channel.config().setAutoRead(ctx.channel().isWritable());
            if (channel.pipeline().get(HandlerNames.ORIGIN_UNSOLICITED) != null) {
                channel.pipeline().addBefore(HandlerNames.ORIGIN_UNSOLICITED, HandlerNames.ORIGIN_RELAY, new OriginRelay(this));
            } else {
                channel.pipeline().addLast(HandlerNames.ORIGIN_RELAY, new OriginRelay(this));
            }
            originSentNanos = System.nanoTime();
            if (!inRead) {
                sendToOrigin(); // acquired later: nothing else will flush for us
            }
            updateViewerAutoRead();
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
            if (!inRead) {
                sendToOrigin();
            }
            updateViewerAutoRead();
            if (last && responseDone) {
                complete();
            }
        }

        /**
         * Trailers are fields like headers, and an origin may merge them into its headers: the
         * same fields are kept out (a client-sent CloudFront-Viewer-Cert-Present: 1 in a trailer).
         */
        private LastHttpContent withFilteredTrailers(LastHttpContent last) {
            if (last.trailingHeaders().isEmpty()) {
                return last;
            }
            return new DefaultLastHttpContent(last.content(), filter.trailers(last.trailingHeaders()));
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
            if (responseStarted || finished) {
                ReferenceCountUtil.release(response); // a second head on the same exchange: never relayed
                originBroken("second response head", null);
                return;
            }
            cancelTimeout();
            responseStarted = true;
            status = response.status().code();
            originKeepAlive = HttpUtil.isKeepAlive(response);
            firstByteNanos = System.nanoTime() - startNanos;
            originNanos = System.nanoTime() - originSentNanos;
            boolean viewerKeepAlive = keepAlive && !draining();
            heldHead = ViewerResponses.fromOrigin(response, request.method(), http2, viewerKeepAlive);
            if (response instanceof io.netty.handler.codec.http.FullHttpResponse full) {
                responseBody(new DefaultLastHttpContent(full.content()));
            }
        }

        /** The origin sent what its codec could not decode: 502 if nothing went out yet, else give up. */
        private void originBroken(String what, Throwable cause) {
            originKeepAlive = false;
            services.brokenOrigins().log(origin.origin().id(), "origin {} sent a {} on connection {}: {}",
                    origin.origin().id(), what, state.connectionId(), cause == null ? "-" : cause.getMessage());
            fail(HttpResponseStatus.BAD_GATEWAY, "bad gateway: malformed response from origin");
        }

        private void writeHeldHead() {
            if (heldHead != null) {
                ctx.write(heldHead);
                heldHead = null;
                HttpContent part;
                while ((part = heldBody.poll()) != null) {
                    ctx.write(part);
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
            if (!responseStarted || finished) {
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
                if (heldHead != null) {
                    heldBody.add(content);
                } else {
                    ctx.write(content);
                }
                return;
            }
            writeHeldHead();
            responseDone = true;
            boolean close = !http2 && (!keepAlive || draining() || !requestDone);
            boolean complete = requestDone;
            // Release the origin and record the exchange before the last bytes leave: once the viewer
            // has its response, the access log already has the request (and the origin connection is
            // free for the next one). The next pipelined request starts only after this write.
            if (complete) {
                detachOrigin(true);
            } else {
                // The origin answered before the whole body arrived (e.g. 413): stop relaying the rest.
                detachOrigin(false);
                discardingBody = true;
            }
            finish();
            var write = ctx.writeAndFlush(content);
            if (close) {
                write.addListener(ChannelFutureListener.CLOSE);
            }
            if (complete) {
                afterExchange(this);
            } else {
                updateViewerAutoRead();
            }
        }

        void originFlushDone() {
            writeHeldHead();
            ctx.flush();
        }

        void originWritabilityChanged() {
            updateViewerAutoRead();
        }

        void originClosed() {
            if (!finished && mayRetryOnFreshConnection()) {
                retry();
                return;
            }
            if (!finished) {
                if (responseStarted && heldHead == null) {
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
            if (responseTimeout != null || !requestDone || responseStarted || finished) {
                return;
            }
            long timeoutMillis = origin.origin().responseTimeout().toMillis();
            responseTimeout = ctx.executor().schedule(this::responseTimedOut, timeoutMillis,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        /**
         * A pooled HTTP/1.1 connection the origin closed just as we reused it (its keep-alive timeout
         * raced our request) fails before any response byte. An idempotent request without a body is
         * then sent once more on a fresh connection, as nginx does, instead of answering 502.
         */
        private boolean mayRetryOnFreshConnection() {
            return !retried && !responseStarted && requestDone && requestBytes == 0 && originChannel != null
                    && OriginClient.wasPooled(originChannel) && isIdempotent(request.method().name());
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
            Future<Channel> acquired = origin.acquireFresh(ctx.channel().eventLoop());
            acquired.addListener(f -> originAcquired(acquired));
        }

        private static boolean isIdempotent(String method) {
            return switch (method) {
                case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE" -> true;
                default -> false;
            };
        }

        private void responseTimedOut() {
            if (!finished && !responseStarted) {
                fail(HttpResponseStatus.GATEWAY_TIMEOUT, "origin timeout");
            }
        }

        private void complete() {
            if (finished) {
                return;
            }
            detachOrigin(true);
            finish();
            afterExchange(this);
        }

        /** Answers with our own error; HTTP/1.1 closes afterwards unless the request was complete. */
        void fail(HttpResponseStatus errorStatus, String text) {
            if (finished) {
                return;
            }
            if (responseStarted && heldHead == null) {
                abort(text);
                return;
            }
            dropHeldResponse(); // held, never written: the viewer gets our error instead
            detachOrigin(false);
            status = errorStatus.code();
            boolean close = !http2 && (!keepAlive || !requestDone || draining());
            var write = ctx.writeAndFlush(ViewerResponses.error(ctx.alloc(), errorStatus, text, !close));
            if (close) {
                write.addListener(ChannelFutureListener.CLOSE);
            }
            discardingBody = !requestDone;
            finish();
            if (requestDone) {
                afterExchange(this);
            } else {
                updateViewerAutoRead();
            }
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
            if (finished) {
                return;
            }
            LOG.debug("exchange {} on connection {} aborted: {}", requestId, state.connectionId(), why);
            dropHeldResponse();
            detachOrigin(false);
            finish();
            ctx.close();
        }

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
                origin.release(channel, reusable && responseDone && requestDone && originKeepAlive);
            }
        }

        private void cancelTimeout() {
            if (responseTimeout != null) {
                responseTimeout.cancel(false);
                responseTimeout = null;
            }
        }

        private void finish() {
            finished = true;
            services.inFlight().decrementAndGet();
            services.observer().exchangeEnded(new ExchangeRecord(state, requestId, startMillis,
                    request.method().name(), request.headers().get(HttpHeaderNames.HOST), request.uri(),
                    http2 ? "HTTP/2.0" : request.protocolVersion().text(), status, requestBytes, responseBytes,
                    System.nanoTime() - startNanos, firstByteNanos, origin == null ? null : origin.origin().id(),
                    originNanos));
        }
    }

    private boolean draining() {
        return services.draining().get();
    }
}
