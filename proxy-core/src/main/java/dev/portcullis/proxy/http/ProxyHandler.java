package dev.portcullis.proxy.http;

import dev.portcullis.functions.ViewerEvent;
import dev.portcullis.functions.ViewerFunction;
import dev.portcullis.functions.ViewerOutcome;
import dev.portcullis.proxy.origin.OriginPool;
import dev.portcullis.proxy.tls.EdgeBehavior;
import dev.portcullis.proxy.tls.ConnectionState;
import dev.portcullis.proxy.tls.EdgeDistribution;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays viewer requests to origins, for an HTTP/1.1 connection (one exchange at a time; pipelined
 * requests wait in order) or one HTTP/2 stream (exactly one exchange). Both sides stream: no body is
 * ever aggregated, and backpressure runs both ways through auto-read (viewer reads pause while the
 * origin connection is not writable, origin reads pause while the viewer is not writable).
 * Everything here runs on the viewer's event loop, which is also the origin connection's loop.
 *
 * <p>Over 250 lines: it is the viewer side's one handler, and every viewer event (read, read
 * complete, writability, idle, inactive, exception) decides about the same three things: the
 * exchange in flight, the pipelined requests ({@link Http1Pipeline}) and auto-read. The request
 * filter and the viewer-request function's three outcomes are how an exchange starts, so they
 * are here too; the relay itself is {@link Exchange}.
 */
final class ProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.proxy");

    private final ProxyServices services;
    private final boolean http2;
    private final Http1Pipeline pipelined = new Http1Pipeline();
    private ChannelHandlerContext ctx;
    private ConnectionState state;
    private Exchange exchange;
    /** Inside a viewer read batch: writes to the origin wait for channelReadComplete's one flush. */
    private boolean inRead;

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
            if (state.withdrawn() != null) {
                // A re-check refused the connection: it serves nothing more (HTTP/2: this stream is
                // reset; the rest of a body, with no exchange, is dropped as it comes).
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
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

    /** A request head: a new exchange, through its request filter, then choose origin and origin request. */
    private void start(HttpRequest request) {
        services.inFlight().incrementAndGet();
        Exchange ex = new Exchange(this, request);
        exchange = ex;
        try {
            if (!requestFilter(ex, request)) {
                return;
            }
            EdgeDistribution distribution = state.distribution();
            EdgeBehavior behavior = distribution.behaviorFor(request.uri());
            OriginPool origin = behavior.origin();
            HttpRequest originHead;
            if (behavior.viewerRequest() == null && behavior.viewerResponse() == null) {
                originHead = OriginRequests.build(request, http2, state, distribution.config(), origin.origin(), filter);
            } else {
                ex.functionRequest = ViewerFunctionEvents.request(request, state, filter);
                ex.responseFunction = behavior.viewerResponse();
                originHead = behavior.viewerRequest() == null
                        ? OriginRequests.build(request, http2, state, distribution.config(), origin.origin(), filter)
                        : viewerRequestFunction(ex, request, behavior);
                if (originHead == null) {
                    return; // the function answered, or faulted (503)
                }
            }
            if (HttpUtil.is100ContinueExpected(request)) {
                // We answer 100 ourselves and strip Expect: the body streams to the origin as it comes.
                ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
            }
            ex.originRequest(origin, originHead);
        } catch (RuntimeException e) {
            // A request the codec let through but a later step cannot take (a header value the origin
            // request refuses, say): answered here, so the exchange ends and its body (for an HTTP/2
            // request that came whole, already in memory) is released, not left to the leak detector.
            LOG.debug("viewer connection {}: request {} refused: {}", state.connectionId(), ex.requestId, e.toString());
            ex.fail(HttpResponseStatus.BAD_REQUEST, "bad request");
        }
    }

    /**
     * The behavior's viewer-request function, still in the request filter phase: the origin request
     * built from what it returned, or null when it answered the viewer itself or faulted.
     */
    private HttpRequest viewerRequestFunction(Exchange ex, HttpRequest request, EdgeBehavior behavior) {
        ViewerFunction function = behavior.viewerRequest();
        ViewerOutcome outcome = function.invoke(ViewerFunctionEvents.event(ViewerEvent.EventType.VIEWER_REQUEST, state,
                ex.requestId, ex.functionRequest, null));
        switch (outcome.kind()) {
            case FAULT -> {
                ex.functionFault(function.name(), "viewer-request", outcome.error());
                return null;
            }
            case RESPOND -> {
                String[] problem = new String[1];
                var response = ViewerFunctionEvents.generated(outcome.response(), request.method(), !ex.answerCloses(),
                        ctx.alloc(), problem);
                if (response == null) {
                    ex.functionFault(function.name(), "viewer-request", problem[0]);
                } else {
                    ex.answer(response, "FunctionGeneratedResponse");
                }
                return null;
            }
            default -> {
                if (outcome.unchanged()) {
                    // the request exactly as the event showed it: the viewer's, as without a function
                    var certificateHeaders = outcome.certificateHeaders().isEmpty() ? state.originCertificateHeaders()
                            : CertificateHeaderChanges.apply(state.originCertificateHeaders(), outcome.certificateHeaders(),
                            state.presentedChain());
                    return OriginRequests.build(request, request.uri(), request.headers(), certificateHeaders, http2, state,
                            state.distribution().config(), behavior.origin().origin(), filter);
                }
                var forwarded = ViewerFunctionEvents.forwarded(request, ex.functionRequest, outcome.request());
                if (forwarded.invalid() != null) {
                    ex.functionFault(function.name(), "viewer-request", forwarded.invalid());
                    return null;
                }
                var certificateHeaders = CertificateHeaderChanges.apply(state.originCertificateHeaders(),
                        outcome.certificateHeaders(), state.presentedChain());
                return OriginRequests.build(request, forwarded.uri(), forwarded.headers(), certificateHeaders, http2, state,
                        state.distribution().config(), behavior.origin().origin(), filter);
            }
        }
    }

    /**
     * The request filter phase: the request's own checks, exactly one valid Host, and whether this
     * connection may serve that host (421). False when it answered the request itself.
     */
    private boolean requestFilter(Exchange ex, HttpRequest request) {
        RequestChecks.Refusal refusal = RequestChecks.check(request, http2);
        if (refusal != null) {
            ex.fail(refusal.status(), refusal.text());
            return false;
        }
        RequestAuthority.Result authority = RequestAuthority.of(request, http2);
        if (!authority.valid()) {
            ex.fail(HttpResponseStatus.BAD_REQUEST, "bad request: " + authority.problem());
            return false;
        }
        String host = authority.host();
        if (host != null && !state.generation().distributions().mayServe(state.distribution(), host)) {
            ex.fail(HttpResponseStatus.MISDIRECTED_REQUEST, "misdirected request: " + host
                    + " is not served on this TLS connection");
            return false;
        }
        return true;
    }

    private void body(HttpContent content) {
        Exchange ex = exchange;
        if (content.decoderResult().isFailure()) {
            // A malformed chunk (bad size, missing CRLF): the decoder has given up on the connection,
            // so nothing more of this request, or of any pipelined after it, can be trusted. What
            // waits for the origin is dropped and its connection closed, never completed.
            content.release();
            if (ex != null && !ex.ended()) {
                ex.requestBroken("bad request body: " + content.decoderResult().cause().getMessage());
            } else {
                ctx.close();
            }
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (ex == null || ex.ended()) {
            // answered early (an error, or the origin before the body ended): the rest is dropped
            content.release();
            if (last && ex != null) {
                ex.requestDone = true;
                afterExchange(ex);
            }
            return;
        }
        ex.requestBody(content);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        inRead = false;
        Exchange ex = exchange;
        if (ex != null && !ex.ended()) {
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
            } else if (ex.responding()) {
                ex.abort("no response progress for the idle timeout");
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        Exchange ex = exchange;
        if (ex != null && !ex.ended()) {
            ex.abort("viewer closed the connection");
        }
        pipelined.releaseAll();
        super.channelInactive(ctx);
    }

    /**
     * A malformed HTTP/2 request (Netty's conversion found, say, :authority and host disagreeing)
     * resets its stream with the error's own code (PROTOCOL_ERROR, RFC 9113 8.1.1), not CANCEL.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!http2 && pipelineTooDeep(cause)) {
            // Netty's codec refuses a pipeline deeper than 128 requests and drops what it had not yet
            // passed on; it closes the connection after the next response. That response is still
            // owed: read nothing more, answer the exchange in flight (Connection: close), then close.
            LOG.debug("viewer connection {}: more than 128 pipelined requests; answering the one in flight, then"
                    + " closing", state == null ? "?" : state.connectionId());
            pipelined.overflow();
            ctx.channel().config().setAutoRead(false);
            if (exchange == null) {
                ctx.close();
            }
            return;
        }
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
    void updateViewerAutoRead() {
        Exchange ex = exchange;
        boolean read = pipelined.hasRoom();
        if (ex != null && !ex.ended() && !ex.requestDone) {
            read &= ex.originChannel != null && ex.originChannel.isWritable();
        }
        boolean discarding = ex != null && ex.ended() && !ex.requestDone; // the rest of an answered body
        ctx.channel().config().setAutoRead(read || discarding);
    }

    /** An exchange ended: HTTP/1.1 carries on with the next request or closes; an HTTP/2 stream is done. */
    void afterExchange(Exchange ex) {
        if (exchange != ex || !ex.requestDone) {
            return;
        }
        exchange = null;
        if (http2) {
            return;
        }
        if (!ex.keepAlive || draining()) {
            return; // the response's write listener closes the connection
        }
        HttpObject next;
        while (exchange == null && (next = pipelined.poll()) != null) {
            handle(next);
        }
        while (exchange != null && !exchange.requestDone && (next = pipelined.poll()) != null) {
            handle(next);
        }
        if (exchange != null && !exchange.ended() && !inRead) {
            exchange.sendToOrigin();
        }
        updateViewerAutoRead();
    }


    ChannelHandlerContext ctx() {
        return ctx;
    }

    boolean isHttp2() {
        return http2;
    }

    ProxyServices services() {
        return services;
    }

    ConnectionState state() {
        return state;
    }

    ViewerFieldFilter filter() {
        return filter;
    }

    /** Inside a viewer read batch: writes to the origin wait for channelReadComplete's one flush. */
    boolean inRead() {
        return inRead;
    }

    /**
     * Shutdown has begun, a re-check withdrew this connection, or its pipeline overflowed: the
     * response in flight is the last.
     */
    boolean draining() {
        return services.draining().get() || state.withdrawn() != null || pipelined.overflowed();
    }

    private static boolean pipelineTooDeep(Throwable cause) {
        return cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof IllegalStateException e
                && e.getMessage() != null && e.getMessage().startsWith("maxPipelineDepth exceeded");
    }

    /** No exchange in flight and none waiting (HTTP/1.1): a withdrawn connection can close at once. */
    boolean idle() {
        return exchange == null && pipelined.isEmpty();
    }
}
