package dev.portcullis.proxy.http;

import dev.portcullis.config.ViewerLimits;
import dev.portcullis.proxy.ConnectionObserver;
import dev.portcullis.proxy.tls.ConnectionState;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts off viewers that send a request slowly after TLS, which an idle timeout cannot: every byte
 * resets that one. A request head must be complete within {@code requestHeaderTimeout} of its
 * first byte (a head trickled a byte a second is cut off however busy it looks), and a body may
 * not go {@code requestBodyTimeout} without a byte arriving. Time during which the node itself has
 * stopped reading (backpressure, pipelining) is never held against the viewer.
 *
 * <p>HTTP/1.1 uses both halves: {@link #bytesWatch()} before the codec sees when a head begins,
 * {@link #messagesWatch()} after it sees the head end and the body end. An HTTP/2 stream, whose
 * head arrives whole, uses only the messages half for its body. All on one event loop.
 */
final class RequestTimeouts {
    private static final Logger LOG = LoggerFactory.getLogger("portcullis.http");

    private enum Phase { AWAITING_HEAD, HEAD, BODY }

    private final long headNanos;
    private final long bodyNanos;
    private final ConnectionObserver observer;
    private Phase phase = Phase.AWAITING_HEAD;
    private long lastProgress;
    private ScheduledFuture<?> timer;
    private ChannelHandlerContext ctx;

    RequestTimeouts(ViewerLimits limits, ConnectionObserver observer) {
        this.headNanos = limits.requestHeaderTimeout().toNanos();
        this.bodyNanos = limits.requestBodyTimeout().toNanos();
        this.observer = observer;
    }

    ChannelInboundHandlerAdapter bytesWatch() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf bytes && !onlyLineEnds(bytes)) {
                    bytesArrived(ctx);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                cancel();
                ctx.fireChannelInactive();
            }
        };
    }

    ChannelInboundHandlerAdapter messagesWatch() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest request) {
                    headArrived(ctx, HttpUtil.is100ContinueExpected(request));
                }
                if (msg instanceof LastHttpContent) {
                    bodyEnded();
                } else if (msg instanceof HttpContent) {
                    lastProgress = System.nanoTime();
                    if (timer == null && phase == Phase.BODY) {
                        arm(ctx, bodyNanos); // the first body part after 100 Continue starts the clock
                    }
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                cancel();
                ctx.fireChannelInactive();
            }
        };
    }

    /** The CRLF some clients send after a body is not the start of a request head. */
    private static boolean onlyLineEnds(ByteBuf bytes) {
        for (int i = bytes.readerIndex(); i < bytes.writerIndex(); i++) {
            byte b = bytes.getByte(i);
            if (b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    private void bytesArrived(ChannelHandlerContext ctx) {
        lastProgress = System.nanoTime();
        if (phase == Phase.AWAITING_HEAD) {
            phase = Phase.HEAD;
            arm(ctx, headNanos);
        }
    }

    /**
     * A request that expects 100 Continue sends no body until the node answers, which it does only
     * when the request's turn comes (it may wait behind pipelined ones): its body clock starts with
     * its first body part; until then the idle timeout bounds it.
     */
    private void headArrived(ChannelHandlerContext ctx, boolean expectsContinue) {
        phase = Phase.BODY;
        lastProgress = System.nanoTime();
        cancel();
        if (!expectsContinue) {
            arm(ctx, bodyNanos);
        }
    }

    private void bodyEnded() {
        phase = Phase.AWAITING_HEAD;
        cancel();
    }

    private void arm(ChannelHandlerContext ctx, long nanos) {
        this.ctx = ctx;
        timer = ctx.executor().schedule(this::check, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void check() {
        timer = null;
        if (phase == Phase.AWAITING_HEAD || !ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (!ctx.channel().config().isAutoRead()) {
            lastProgress = now; // we are not reading: the viewer cannot be slow meanwhile
            arm(ctx, phase == Phase.HEAD ? headNanos : bodyNanos);
            return;
        }
        if (phase == Phase.BODY && now - lastProgress < bodyNanos) {
            arm(ctx, bodyNanos - (now - lastProgress));
            return;
        }
        String limit = phase == Phase.HEAD ? "requestHeaderTimeout" : "requestBodyTimeout";
        ConnectionState state = ConnectionState.of(ctx.channel());
        LOG.debug("connection {}: {} reached, closing", state == null ? "?" : state.connectionId(), limit);
        observer.limitReached(limit, state);
        ctx.channel().close();
    }
}
